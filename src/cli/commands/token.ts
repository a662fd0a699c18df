/** `relief-hub token`: a bearer token signed with the hub's key, alone on stdout. */
import { openHubDatabase } from '../../app.ts';
import { Keys, ROLES, TokenRefused, unknownClaim, type Role } from '../../access/auth.ts';
import { readKeptSecret } from '../../db/data-dir.ts';
import { UsageError, type CommandContext, type Parsed } from '../command.ts';

export const name = 'token';
export const usage = [
  'token --role R [--agency A] [--county C] [--system S] [--sub S] [--ttl 8h]',
  "                                    print a bearer token signed with this hub's key",
];
export const spec = {
  options: { role: { type: 'string' }, agency: { type: 'string' }, county: { type: 'string' }, system: { type: 'string' }, sub: { type: 'string' }, ttl: { type: 'string' } },
} as const;

export async function run({ values }: Parsed<typeof spec>, { config }: CommandContext): Promise<number> {
  const role = values.role?.toUpperCase();
  if (!role || !(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  if (role === 'CASEWORKER' && (!values.agency || !values.county)) throw new UsageError('a CASEWORKER token needs --agency and --county');
  if (role === 'SOURCE_SYSTEM' && !values.system) throw new UsageError('a SOURCE_SYSTEM token needs --system');
  // Claims are exact known codes, never patterns (`--county %` is refused before anything is opened).
  const unknown = unknownClaim(values);
  if (unknown) throw new UsageError(`${unknown}: a token carries known codes only`);
  // The embedded hub's generated secret is kept beside its database: mint with it, without the database
  // (and its lock), so this works while `serve` holds DATA_DIR and the server verifies what it prints.
  const kept = !config.authSecret && !config.authJwksUrl && !config.databaseUrl && config.dataDir !== ':memory:' ? readKeptSecret(config.dataDir) : null;
  if (kept) {
    const claims = { role: role as Role, agency: values.agency, county: values.county, system: values.system, sub: values.sub, ttl: values.ttl };
    process.stdout.write((await Keys.ofSecret(kept).mint(claims)) + '\n');
    return 0;
  }
  const database = await openHubDatabase(config);
  try {
    const keys = await Keys.load(config, database);
    process.stdout.write((await keys.mint({ role: role as Role, agency: values.agency, county: values.county, system: values.system, sub: values.sub, ttl: values.ttl })) + '\n');
    return 0;
  } catch (e) {
    if (e instanceof TokenRefused) throw new UsageError(e.message);
    throw e;
  } finally {
    await database.close();
  }
}
