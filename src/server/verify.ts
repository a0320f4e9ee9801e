// Verifying the widget's bearer tokens: jose against the auth server's JWKS, with the algorithms,
// issuer and audience pinned and `sub` + `exp` required. Every bad token is a 401; a JWKS that cannot
// be fetched is a 503 (good cannot be told from bad right now). Nothing here throws for any token.
import { createRemoteJWKSet, customFetch, jwtVerify } from 'jose';
import type { FetchImplementation, JWTPayload, JWTVerifyGetKey } from 'jose';
import { bearerToken } from './bearer.js';
import { LruMap } from './lru.js';
import { InvalidClaims, JwksUnavailable, describeRejection } from './rejection.js';
import type { RejectionWithoutRequest, RequestLabel } from './rejection.js';
import { FAILURES } from './result.js';
import type { AuthFailure, AuthResult, AuthSuccess, Identity } from './result.js';
import { resolveConfig } from './verifier-config.js';
import type { VerifierConfig, VerifierOptions, VerifierStats } from './verifier-config.js';

export interface Verifier {
  /**
   * `Authorization` header in, result out: the token's identity, or a refusal to send as it is.
   * A token verified before and not yet expired is answered synchronously, with no promise: that
   * is every request's path once a user is signed in, and each promise costs (more so in a process
   * hosting Better Auth, whose AsyncLocalStorage hooks every promise). Otherwise a promise that never
   * rejects. `await` works on both.
   * `request` labels the `onRejected` report (method and path; never the query string).
   */
  authenticate(authorization: string | null | undefined, request?: RequestLabel): AuthResult | Promise<AuthResult>;
  /** The same for a token you got another way (no `Bearer` parsing). Never rejects. */
  verify(token: string, request?: RequestLabel): Promise<AuthResult>;
  /** The identity of a token verified before and not yet expired, at once; otherwise undefined. */
  cached(token: string): Identity | undefined;
  /** What the verifier checks against, with the defaults filled in (e.g. for a start-up log line). */
  readonly config: VerifierConfig;
  readonly stats: VerifierStats;
}

// jose's remote set throws these when the token's kid has no key: the token's fault (401). Anything
// else from the key lookup (TypeError, ERR_JWKS_TIMEOUT, ERR_JOSE_GENERIC, ERR_JWKS_INVALID) means
// the set could not be had (503).
const KEY_LOOKUP_MISSES = new Set(['ERR_JWKS_NO_MATCHING_KEY', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS']);

const codeOf = (error: unknown) => (error as { code?: unknown } | null)?.code;

/**
 * A verifier for one auth server. Keep one per process: it holds the JWKS and the verified tokens.
 * A token passes when jose's `jwtVerify`
 * (https://github.com/panva/jose/blob/main/docs/jwt/verify/functions/jwtVerify.md) finds its
 * signature made by the JWKS key of its `kid` with an allowed `alg`, its `iss` and `aud` the pinned
 * ones, `sub` (a non-empty string) and `exp` present, `exp` and `nbf` within the clock tolerance.
 * `jku`, `x5u` and other key-locating headers are ignored: keys come from `jwksUrl` only.
 * Throws a TypeError at once for unusable options (see VerifierOptions), never later per request.
 *
 * ```ts
 * const verifier = createVerifier({ authUrl: 'https://auth.example.com/api/auth' });
 * const result = await verifier.authenticate(request.headers.get('authorization'));
 * if (result.ok) console.log(result.identity.sub);
 * ```
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const config = resolveConfig(options);
  const stats: VerifierStats = options.stats ?? { jwksFetches: 0, jwksForcedReloads: 0, tokenVerifications: 0, tokenCacheHits: 0 };
  const { onRejected } = options;
  const fetchJwks: FetchImplementation = options.fetch ?? ((url, init) => fetch(url, init));
  // jose fetches lazily, caches 10 min, and refetches by itself for an unknown kid only after a 30 s
  // cooldown (https://github.com/panva/jose/blob/main/docs/jwks/remote/functions/createRemoteJWKSet.md).
  const jwks = createRemoteJWKSet(new URL(config.jwksUrl), {
    timeoutDuration: config.timeoutMs,
    [customFetch]: (url, init) => {
      stats.jwksFetches++;
      return fetchJwks(url, init);
    },
  });
  const getKey: JWTVerifyGetKey = async (header, token) => {
    try {
      return await jwks(header, token);
    } catch (error) {
      if (KEY_LOOKUP_MISSES.has(codeOf(error) as string)) throw error;
      throw new JwksUnavailable('The JWKS could not be fetched', { cause: error });
    }
  };

  const cache = new LruMap<string, { success: AuthSuccess; expiresAtMs: number }>(config.cacheSize);

  // Forced reloads: a token signed by a freshly added key names a kid the cached set lacks. Reload at
  // once rather than after jose's cooldown, but at most once per reloadIntervalMs, or forged kids
  // would make us hammer the auth server. `generation` counts forced reloads, so that requests that
  // raced one share it and retry after it.
  let generation = 0;
  let lastForcedAt = Number.NEGATIVE_INFINITY;
  let forced: Promise<void> | undefined;

  async function reloadForUnknownKid(seenGeneration: number): Promise<boolean> {
    if (generation === seenGeneration) {
      if (Date.now() - lastForcedAt < config.reloadIntervalMs) return false;
      generation++;
      lastForcedAt = Date.now();
      stats.jwksForcedReloads++;
      forced = jwks.reload();
    }
    try {
      await forced;
    } catch (error) {
      throw new JwksUnavailable('The JWKS could not be fetched', { cause: error });
    }
    return true;
  }

  async function verifySignedToken(token: string): Promise<JWTPayload> {
    stats.tokenVerifications++;
    const { payload } = await jwtVerify(token, getKey, {
      algorithms: config.algorithms,
      issuer: config.issuer,
      audience: config.audience,
      requiredClaims: ['sub', 'exp'],
      clockTolerance: config.clockTolerance,
    });
    return payload;
  }

  async function verifyWithReload(token: string): Promise<JWTPayload> {
    const seenGeneration = generation;
    try {
      return await verifySignedToken(token);
    } catch (error) {
      if (codeOf(error) !== 'ERR_JWKS_NO_MATCHING_KEY' || !(await reloadForUnknownKid(seenGeneration))) throw error;
      return await verifySignedToken(token);
    }
  }

  function reject(rejection: RejectionWithoutRequest, request: RequestLabel | undefined): AuthFailure {
    if (onRejected) {
      try {
        onRejected(request ? { ...rejection, request } : rejection);
      } catch {
        // a failing logger must not turn a refusal into a 500
      }
    }
    return FAILURES[rejection.code];
  }

  function lookUp(token: string): AuthSuccess | undefined {
    const entry = cache.get(token);
    if (!entry) return undefined;
    // the clock tolerance lets a just-expired token in once; the cache never serves one
    if (entry.expiresAtMs <= Date.now()) {
      cache.delete(token);
      return undefined;
    }
    stats.tokenCacheHits++;
    return entry.success;
  }

  async function verifyUncached(token: string, request: RequestLabel | undefined): Promise<AuthResult> {
    try {
      // one spelling per token: jose's decoder also takes padding and set spare bits (16 spellings)
      if (!isCanonical(token)) throw new TypeError('a segment is not canonical base64url (padding, a stray character, or spare bits set)');
      const claims = await verifyWithReload(token);
      // jose checked that sub and exp are there and exp is a number; sub's type is ours to check
      if (typeof claims.sub !== 'string' || claims.sub === '') throw new InvalidClaims(`"sub" must be a non-empty string`);
      const identity: Identity = { sub: claims.sub, claims };
      if (typeof claims.name === 'string') identity.name = claims.name;
      const success: AuthSuccess = { ok: true, identity };
      cache.set(token, { success, expiresAtMs: (claims.exp as number) * 1000 });
      return success;
    } catch (error) {
      return reject(describeRejection(error, token, config), request);
    }
  }

  return {
    config,
    stats,
    authenticate(authorization, request) {
      const token = bearerToken(authorization);
      if (token === undefined) {
        const detail = authorization ? 'the Authorization header is not "Bearer <token>"' : 'no Authorization header';
        return reject({ status: 401, code: 'missing_token', reason: 'missing_token', detail }, request);
      }
      return lookUp(token) ?? verifyUncached(token, request);
    },
    async verify(token, request) {
      return lookUp(token) ?? verifyUncached(token, request);
    },
    cached: token => lookUp(token)?.identity,
  };
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Three segments of unpadded base64url (RFC 7515 section 2), each the one encoding of its bytes: its last character's unused low bits zero. */
function isCanonical(token: string): boolean {
  const segments = token.split('.');
  return (
    segments.length === 3 &&
    segments.every(segment => {
      if (!/^[\w-]*$/.test(segment) || segment.length % 4 === 1) return false;
      const spare = segment.length % 4 === 2 ? 0b1111 : segment.length % 4 === 3 ? 0b11 : 0;
      return (BASE64URL.indexOf(segment.at(-1) ?? 'A') & spare) === 0;
    })
  );
}
