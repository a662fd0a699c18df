/**
 * Authentication: bearer JWTs verified with jose — an HS256 secret from configuration (or, when none is
 * configured, one the hub generates once and keeps in its database so every instance shares it), or a JWKS
 * URL for tokens issued elsewhere. Claims: `sub`, `role`, `agency`, `county`, `system`.
 */
import { randomBytes } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import type { Database } from '../db/client.ts';
import { generatedSecret } from './store.ts';
import type { Config } from '../config.ts';
import { HubError, ErrorCode } from '../shared/errors.ts';
import { keepSecret } from '../db/data-dir.ts';
import { adapterFor, adapters } from '../../adapters/index.ts';
import { HAINAN_COUNTIES } from '../identity/regions.ts';

export const ROLES = ['CASEWORKER', 'PLATFORM', 'CHARITY', 'AUDITOR', 'SOURCE_SYSTEM'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  /** Who: the token's subject. */
  sub: string;
  role: Role;
  /** Agency code of a caseworker (contract.md), e.g. `civil-affairs`. */
  agency: string | null;
  /** County code of a caseworker. */
  county: string | null;
  /** Source system of a SOURCE_SYSTEM token. */
  system: string | null;
}

/**
 * Longest lifetime (exp − iat, seconds) of a token, by role (domain.md: one working day; a source system's
 * feed at most 30 days). A token without `iat` and `exp`, or living longer, is refused.
 */
export const MAX_TOKEN_SECONDS: Readonly<Record<Role, number>> = Object.freeze({
  CASEWORKER: 12 * 3600,
  PLATFORM: 12 * 3600,
  CHARITY: 12 * 3600,
  AUDITOR: 12 * 3600,
  SOURCE_SYSTEM: 30 * 24 * 3600,
});
/** Clock skew allowed for a token's `iat` in the future. */
const SKEW_SECONDS = 60;

/**
 * The known codes a claim may carry (contract.md): agencies and systems of the registered adapters,
 * Hainan's current county codes. Compared exactly: a claim is never a pattern.
 */
export function unknownClaim(claims: { agency?: string | null; county?: string | null; system?: string | null }): string | null {
  if (claims.agency != null && !adapters.some((a) => a.agency === claims.agency)) return `unknown agency "${claims.agency}"`;
  if (claims.county != null && !Object.hasOwn(HAINAN_COUNTIES, claims.county)) return `unknown county "${claims.county}" (a current 6-digit county code of Hainan)`;
  if (claims.system != null && !adapterFor(claims.system)) return `unknown system "${claims.system}"`;
  return null;
}

/** A token this hub will not mint (unknown code, too long a lifetime): the caller's mistake. */
export class TokenRefused extends Error {}

const ISSUER = 'relief-hub';
const AUDIENCE = 'relief-hub';

export interface TokenClaims {
  role: Role;
  agency?: string | null;
  county?: string | null;
  system?: string | null;
  sub?: string;
  /** Lifetime, e.g. `8h` (jose's time-span syntax); at most MAX_TOKEN_SECONDS of the role. */
  ttl?: string;
}

/** The key material of this hub: a secret (configured or kept in the database), or a remote JWKS. */
export class Keys {
  private constructor(
    private readonly secret: Uint8Array | null,
    private readonly jwks: JWTVerifyGetKey | null,
  ) {}

  static async load(config: Config, database: Database): Promise<Keys> {
    if (config.authJwksUrl) return new Keys(config.authSecret ? new TextEncoder().encode(config.authSecret) : null, createRemoteJWKSet(new URL(config.authJwksUrl)));
    if (config.authSecret) return new Keys(new TextEncoder().encode(config.authSecret), null);
    // Created once, shared by every instance through the database
    const secret = await generatedSecret(database.db, randomBytes(48).toString('base64url'));
    // Embedded: also beside the database, so `relief-hub token` mints without opening it (src/db/data-dir.ts).
    if (database.dataDir) keepSecret(database.dataDir, secret);
    return new Keys(new TextEncoder().encode(secret), null);
  }

  /** Keys of a known HS256 secret (`relief-hub token` with the secret kept in DATA_DIR). */
  static ofSecret(secret: string): Keys {
    return new Keys(new TextEncoder().encode(secret), null);
  }

  /** Mints a token (local use: `relief-hub token`, the start-up tokens, tests). */
  async mint(claims: TokenClaims): Promise<string> {
    if (!this.secret) throw new Error('tokens are issued elsewhere (AUTH_JWKS_URL): this hub cannot mint them');
    if (!(ROLES as readonly string[]).includes(claims.role)) throw new TokenRefused(`unknown role ${claims.role}; roles: ${ROLES.join(', ')}`);
    const unknown = unknownClaim(claims);
    if (unknown) throw new TokenRefused(`${unknown}: a token carries known codes only`);
    const payload: Record<string, string> = { role: claims.role };
    if (claims.agency) payload.agency = claims.agency;
    if (claims.county) payload.county = claims.county;
    if (claims.system) payload.system = claims.system;
    const iat = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT(payload)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.sub ?? `${claims.role.toLowerCase()}${claims.agency ? `@${claims.agency}` : ''}${claims.county ? `/${claims.county}` : ''}`)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(iat);
    try {
      jwt.setExpirationTime(claims.ttl ?? '8h');
    } catch {
      throw new TokenRefused(`--ttl is not a time span (e.g. 8h, 30d): ${claims.ttl}`);
    }
    const token = await jwt.sign(this.secret);
    const exp = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { exp: number }).exp;
    const max = MAX_TOKEN_SECONDS[claims.role];
    if (exp - iat > max) throw new TokenRefused(`a ${claims.role} token lives at most ${max / 3600} hours (--ttl ${claims.ttl})`);
    if (exp <= iat) throw new TokenRefused(`--ttl must be a positive time span, got ${claims.ttl}`);
    return token;
  }

  /** The principal of an `Authorization: Bearer …` header; UNAUTHENTICATED when missing or invalid. */
  async verify(header: string | undefined): Promise<Principal> {
    const m = /^Bearer\s+(\S+)$/i.exec(header?.trim() ?? '');
    if (!m) throw new HubError(ErrorCode.UNAUTHENTICATED, 'a bearer token is required (Authorization: Bearer <token>)');
    try {
      const opts = { issuer: ISSUER, audience: AUDIENCE };
      const { payload } = this.jwks ? await jwtVerify(m[1]!, this.jwks, opts) : await jwtVerify(m[1]!, this.secret!, { ...opts, algorithms: ['HS256'] });
      const role = payload.role;
      if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) throw new Error('no valid role claim');
      if (!payload.sub) throw new Error('no subject');
      const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
      const principal: Principal = { sub: payload.sub, role: role as Role, agency: str(payload.agency), county: str(payload.county), system: str(payload.system) };
      if (principal.role === 'CASEWORKER' && (!principal.agency || !principal.county)) throw new Error('a caseworker token needs agency and county');
      if (principal.role === 'SOURCE_SYSTEM' && !principal.system) throw new Error('a source-system token needs its system');
      const unknown = unknownClaim(principal);
      if (unknown) throw new Error(unknown);
      const { iat, exp } = payload;
      if (typeof iat !== 'number' || typeof exp !== 'number') throw new Error('a token states when it was issued (iat) and when it expires (exp)');
      if (iat > Date.now() / 1000 + SKEW_SECONDS) throw new Error('the token is issued in the future');
      if (exp - iat > MAX_TOKEN_SECONDS[principal.role]) throw new Error(`a ${principal.role} token lives at most ${MAX_TOKEN_SECONDS[principal.role] / 3600} hours`);
      return principal;
    } catch (e) {
      throw new HubError(ErrorCode.UNAUTHENTICATED, `the bearer token is not valid: ${(e as Error).message}`);
    }
  }
}
