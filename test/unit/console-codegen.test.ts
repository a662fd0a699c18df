/**
 * The console's GraphQL types are generated from the full SDL the hub serves: this fails when they are stale
 * (run `npm run console:codegen`), and checks that `relief-hub schema` prints that SDL.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildSchema as parseSdl } from 'graphql';
import { adapters } from '../../adapters/index.ts';

describe("the console's generated types", () => {
  it('are what the current SDL and operations give (npm run console:codegen)', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'console/codegen.ts', '--check'], { encoding: 'utf8' });
    expect(r.stderr + r.stdout).toContain('console types are up to date');
    expect(r.status).toBe(0);
  });

  it('come from the full SDL, as `relief-hub schema` prints it: every adapter fragment and root field', () => {
    // In its own process: the served schema mixes graphql's CommonJS build (graphql-tools) with the ESM one vitest loads.
    const r = spawnSync(process.execPath, ['bin/relief-hub.mjs', 'schema'], { encoding: 'utf8', env: { ...process.env, DATA_DIR: ':memory:', LOG_LEVEL: 'silent' } });
    expect(r.status, r.stderr).toBe(0);
    const sdl = r.stdout;
    const schema = parseSdl(sdl);
    for (const field of ['person', 'quarterlyReport', 'eligibility', 'accessLog', 'reviewQueue', 'quarantine']) expect(schema.getQueryType()!.getFields()[field]).toBeDefined();
    for (const a of adapters.filter((x) => x.sdl)) {
      const types = [...a.sdl!.matchAll(/^\s*(?:extend\s+)?type\s+(\w+)/gm)].map((m) => m[1]!);
      for (const t of types) expect(schema.getType(t), `${a.code} fragment type ${t}`).toBeDefined();
    }
    expect(Object.keys((schema.getType('Settlement') as import('graphql').GraphQLObjectType).getFields())).toEqual(expect.arrayContaining(['basicInsurance', 'criticalIllness', 'supplement']));
  });
});
