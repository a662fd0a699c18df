import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { Keys } from '../../src/access/auth.ts';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/client.ts';

const noDatabase = {} as Database;
const SECRET = 'unit-test-secret-0123456789abcdefghij';

describe('bearer tokens', () => {
  let server: http.Server;
  let jwksUrl: string;
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('verifies tokens of its own secret and reads the claims', async () => {
    const keys = await Keys.load(loadConfig({ AUTH_SECRET: SECRET }), noDatabase);
    const t = await keys.mint({ role: 'SOURCE_SYSTEM', system: 'veterans', sub: 'veterans-feed' });
    expect(await keys.verify(`Bearer ${t}`)).toEqual({ sub: 'veterans-feed', role: 'SOURCE_SYSTEM', agency: null, county: null, system: 'veterans' });
  });

  it('refuses expired tokens, other secrets, unknown roles and incomplete caseworkers', async () => {
    const keys = await Keys.load(loadConfig({ AUTH_SECRET: SECRET }), noDatabase);
    const other = await Keys.load(loadConfig({ AUTH_SECRET: `${SECRET}-other` }), noDatabase);
    const secret = new TextEncoder().encode(SECRET);
    const sign = (claims: Record<string, unknown>, exp: string | number = '1h') =>
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuer('relief-hub').setAudience('relief-hub').setIssuedAt().setExpirationTime(exp).sign(secret);
    const cases = [
      await other.mint({ role: 'PLATFORM' }),
      await sign({ role: 'PLATFORM' }, Math.floor(Date.now() / 1000) - 60),
      await sign({ role: 'ROOT' }),
      await sign({ role: 'CASEWORKER', agency: 'civil-affairs' }),
      await sign({ role: 'SOURCE_SYSTEM' }),
    ];
    for (const t of cases) await expect(keys.verify(`Bearer ${t}`)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    await expect(keys.verify(undefined)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('verifies tokens issued elsewhere against a JWKS URL', async () => {
    const keys = await Keys.load(loadConfig({ AUTH_JWKS_URL: jwksUrl }), noDatabase);
    const t = await new SignJWT({ role: 'AUDITOR' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('auditor@province')
      .setIssuer('relief-hub')
      .setAudience('relief-hub')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);
    expect(await keys.verify(`Bearer ${t}`)).toMatchObject({ sub: 'auditor@province', role: 'AUDITOR' });
    // Tokens issued elsewhere are held to the same lifetimes and codes.
    const rs = (claims: Record<string, unknown>, ttl: string) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('x').setIssuer('relief-hub').setAudience('relief-hub').setIssuedAt().setExpirationTime(ttl).sign(privateKey);
    for (const t of [await rs({ role: 'AUDITOR' }, '13h'), await rs({ role: 'CASEWORKER', agency: 'civil-affairs', county: '%' }, '1h')]) {
      await expect(keys.verify(`Bearer ${t}`)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    }
    await expect(keys.mint({ role: 'PLATFORM' })).rejects.toThrow(/issued elsewhere/);
  });
});
