// Verifying the chat's bearer tokens: jose against the auth server's JWKS, with the algorithm,
// issuer and audience pinned and sub + exp required. Every bad token is a 401; a JWKS that cannot be
// fetched is a 503 (we cannot tell good from bad right now), never a 500.
import { createRemoteJWKSet, customFetch, jwtVerify } from 'jose';
import type { FetchImplementation, JWTPayload, JWTVerifyGetKey } from 'jose';
import { HttpError } from './http-errors.js';
import { LruMap } from './lru.js';
import type { ServerStats } from './stats.js';

/** Who the verified token says is calling. */
export interface Identity {
  sub: string;
  name?: string;
  claims: JWTPayload;
}

export interface VerifierOptions {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** Verified tokens kept until their exp; 0 disables the cache. */
  cacheSize: number;
  /** At most one forced reload for an unknown kid per this many ms. */
  reloadIntervalMs: number;
  timeoutMs: number;
  clockToleranceSec: number;
  stats: Pick<ServerStats, 'jwksFetches' | 'jwksForcedReloads' | 'tokenVerifications' | 'tokenCacheHits'>;
  /** How the JWKS is fetched (default: the global fetch). */
  fetch?: FetchImplementation;
}

export interface Verifier {
  /**
   * The identity of a token verified before and not yet expired, at once. Synchronous because it is
   * every request's path: no promise, no await (each costs more with Better Auth's AsyncLocalStorage
   * hooks in the process).
   */
  cached(token: string): Identity | undefined;
  /** The identity in a valid token; throws HttpError 401 (bad token) or 503 (JWKS unavailable). */
  verify(token: string): Promise<Identity>;
}

const INVALID_TOKEN_CHALLENGE = { 'WWW-Authenticate': 'Bearer error="invalid_token"' };

/** The token from `Authorization: Bearer <token>`; a missing header or another scheme is a 401. */
export function bearerToken(authorization: string | null): string {
  const match = /^Bearer +([^\s]+) *$/i.exec(authorization ?? '');
  if (!match?.[1]) {
    throw new HttpError(401, 'missing_token', 'Send the token as "Authorization: Bearer <JWT>".', {
      'WWW-Authenticate': 'Bearer realm="auth-chatkit"',
    });
  }
  return match[1];
}

/** A failure to get the key set, as opposed to a key set that has no key for this token. */
class JwksUnavailable extends Error {
  override name = 'JwksUnavailable';
}

const KEY_LOOKUP_MISSES = new Set(['ERR_JWKS_NO_MATCHING_KEY', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS']);

export function createVerifier(options: VerifierOptions): Verifier {
  const { stats } = options;
  const fetchJwks = options.fetch ?? ((url, init) => fetch(url, init));
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl), {
    timeoutDuration: options.timeoutMs,
    [customFetch]: (url, init) => {
      stats.jwksFetches++;
      return fetchJwks(url, init);
    },
  });
  // jose's remote set fetches lazily and throws TypeError / ERR_JWKS_TIMEOUT / ERR_JOSE_GENERIC /
  // ERR_JWKS_INVALID when the set cannot be had; only a missing key is the token's fault.
  const getKey: JWTVerifyGetKey = async (header, token) => {
    try {
      return await jwks(header, token);
    } catch (error) {
      if (KEY_LOOKUP_MISSES.has((error as { code?: string }).code ?? '')) throw error;
      throw new JwksUnavailable('The JWKS could not be fetched', { cause: error });
    }
  };

  const cache = new LruMap<string, { identity: Identity; expiresAtMs: number }>(options.cacheSize);

  // Forced reloads: a token signed by a freshly added key names a kid the cached set lacks. jose only
  // refetches after its 30 s cooldown, so reload at once, but at most once per reloadIntervalMs, or
  // forged kids would make us hammer the auth server. `generation` counts forced reloads, so a
  // request that raced one simply retries after it.
  let generation = 0;
  let lastForcedAt = Number.NEGATIVE_INFINITY;
  let forced: Promise<void> | undefined;

  async function reloadForUnknownKid(seenGeneration: number): Promise<boolean> {
    if (generation === seenGeneration) {
      if (Date.now() - lastForcedAt < options.reloadIntervalMs) return false;
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
      algorithms: ['EdDSA'],
      issuer: options.issuer,
      audience: options.audience,
      requiredClaims: ['sub', 'exp'],
      clockTolerance: options.clockToleranceSec,
    });
    return payload;
  }

  async function verifyUncached(token: string): Promise<JWTPayload> {
    const seenGeneration = generation;
    try {
      return await verifySignedToken(token);
    } catch (error) {
      const unknownKid = (error as { code?: string }).code === 'ERR_JWKS_NO_MATCHING_KEY';
      if (!unknownKid || !(await reloadForUnknownKid(seenGeneration))) throw error;
      return await verifySignedToken(token);
    }
  }

  function cached(token: string): Identity | undefined {
    const entry = cache.get(token);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= Date.now()) {
      cache.delete(token);
      return undefined;
    }
    stats.tokenCacheHits++;
    return entry.identity;
  }

  return {
    cached,
    async verify(token) {
      const known = cached(token);
      if (known) return known;
      let claims: JWTPayload;
      try {
        claims = await verifyUncached(token);
      } catch (error) {
        throw classify(error);
      }
      if (typeof claims.sub !== 'string' || claims.sub === '' || typeof claims.exp !== 'number') {
        throw new HttpError(401, 'invalid_token', 'The token has no valid subject or expiry.', INVALID_TOKEN_CHALLENGE);
      }
      const identity: Identity = { sub: claims.sub, claims };
      if (typeof claims.name === 'string') identity.name = claims.name;
      cache.set(token, { identity, expiresAtMs: claims.exp * 1000 });
      return identity;
    },
  };
}

function classify(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof JwksUnavailable) {
    return new HttpError(503, 'jwks_unavailable', 'The token cannot be checked right now: the key set is unavailable. Try again shortly.', {
      'Retry-After': '5',
    });
  }
  if ((error as { code?: string }).code === 'ERR_JWT_EXPIRED') {
    return new HttpError(401, 'token_expired', 'The token has expired.', INVALID_TOKEN_CHALLENGE);
  }
  return new HttpError(401, 'invalid_token', 'The token is not valid for this server.', INVALID_TOKEN_CHALLENGE);
}
