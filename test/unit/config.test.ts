import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { poolOptions } from '../../src/app.ts';

describe('configuration', () => {
  it('has loopback defaults and the embedded database', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ host: '127.0.0.1', port: 4000, databaseUrl: null });
    expect(c.dataDir).toMatch(/data$/);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x@y/z'],
    ['DATABASE_URL', 'not a url'],
    ['NODE_ENV', 'staging'],
    ['LOG_LEVEL', 'loud'],
    ['MAX_BODY_BYTES', '-1'],
    ['DATABASE_READ_URL', 'http://standby/hub'],
    ['DB_POOL_SIZE', '0'],
    ['DB_STATEMENT_TIMEOUT_MS', '10'],
    ['DB_BATCH_STATEMENT_TIMEOUT_MS', '1h'],
    ['DB_CONNECT_TIMEOUT_MS', 'soon'],
    ['DATABASE_OWNER_URL', 'mysql://x@y/z'],
  ])('refuses %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrowError(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrowError(new RegExp(`^${name}:`));
  });

  it('accepts a PostgreSQL URL', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/hub' }).databaseUrl).toBe('postgres://u:p@127.0.0.1:5432/hub');
  });

  it('takes a read standby only beside a primary, and the database timeouts', () => {
    expect(() => loadConfig({ DATABASE_READ_URL: 'postgres://u@standby/hub' })).toThrowError(/^DATABASE_READ_URL: needs DATABASE_URL/);
    const c = loadConfig({ DATABASE_URL: 'postgres://u@primary/hub', DATABASE_READ_URL: 'postgres://u@standby/hub', DB_STATEMENT_TIMEOUT_MS: '2500', DB_CONNECT_TIMEOUT_MS: '800', DB_POOL_SIZE: '4' });
    expect(c).toMatchObject({ databaseReadUrl: 'postgres://u@standby/hub', dbStatementTimeoutMs: 2500, dbConnectTimeoutMs: 800, dbPoolSize: 4 });
    expect(loadConfig({})).toMatchObject({ databaseReadUrl: null, dbStatementTimeoutMs: 30_000, dbConnectTimeoutMs: 5_000, dbPoolSize: 10 });
  });

  it("gives the command line's batch work (a bulk load's derivation) its own statement limit, an hour unless set", () => {
    const d = loadConfig({ DB_STATEMENT_TIMEOUT_MS: '2500' });
    expect([d.dbStatementTimeoutMs, d.dbBatchStatementTimeoutMs]).toEqual([2500, 3_600_000]);
    expect(poolOptions(d).statementTimeoutMs).toBe(2500);
    expect(poolOptions(d, 'serve').statementTimeoutMs).toBe(2500);
    expect(poolOptions(d, 'batch').statementTimeoutMs).toBe(3_600_000);
    expect(poolOptions(loadConfig({ DB_BATCH_STATEMENT_TIMEOUT_MS: '7200000' }), 'batch').statementTimeoutMs).toBe(7_200_000);
  });

  it('takes the owner role for migrations beside the serving role, never without one', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://serving@127.0.0.1/hub', DATABASE_OWNER_URL: 'postgres://owner@127.0.0.1/hub' });
    expect([c.databaseUrl, c.databaseOwnerUrl]).toEqual(['postgres://serving@127.0.0.1/hub', 'postgres://owner@127.0.0.1/hub']);
    expect(loadConfig({ DATABASE_URL: 'postgres://serving@127.0.0.1/hub' }).databaseOwnerUrl).toBeNull();
    expect(() => loadConfig({ DATABASE_OWNER_URL: 'postgres://owner@127.0.0.1/hub' })).toThrowError(/^DATABASE_OWNER_URL:/);
  });
});
