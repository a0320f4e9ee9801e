// The verifier's options and their defaults, taken from the Better Auth server's URL the way its JWT
// plugin sets them: the JWKS at `${authUrl}/jwks`, issuer and audience the origin of that URL
// (better-auth 1.7 plugins/jwt/sign.mjs: `jwt.issuer ?? baseURL origin`, the same for `aud`).
import type { FetchImplementation } from 'jose';
import type { Rejection } from './rejection.js';

/** Counters the verifier increments (pass your own object to see them in your metrics). */
export interface VerifierStats {
  /** JWKS fetches: the first, jose's refresh after its 10 min cache age, and forced reloads. */
  jwksFetches: number;
  /** Reloads forced by a token naming a `kid` the cached JWKS lacks (rate-limited). */
  jwksForcedReloads: number;
  /** Full signature checks (jose `jwtVerify` calls). */
  tokenVerifications: number;
  /** Tokens answered from the verified-token cache. */
  tokenCacheHits: number;
}

export interface VerifierOptions {
  /**
   * Better Auth's base URL with its base path, as the widget's `auth-url`, absolute:
   * `https://auth.example.com/api/auth`. Gives the defaults below. Required unless `jwksUrl` is set.
   */
  authUrl?: string | URL;
  /** The JWKS (default `${authUrl}/jwks`: Better Auth's `GET /jwks`). http(s). */
  jwksUrl?: string | URL;
  /**
   * The `iss` to accept, compared exactly (default: the origin of `authUrl`, or of `jwksUrl` without
   * it). Set it when Better Auth's `jwt.issuer` is set, or it runs behind another origin than the one
   * you fetch the JWKS from. Several: any of them.
   */
  issuer?: string | string[];
  /** The `aud` to accept (default as `issuer`; Better Auth's `jwt.audience`). Several: any of them. */
  audience?: string | string[];
  /** Accepted `alg` values (default `['EdDSA']`, Better Auth's default key). Never `none`. */
  algorithms?: string[];
  /** Seconds of clock skew allowed on `exp` and `nbf` (default 5). */
  clockTolerance?: number;
  /** Verified tokens remembered until their `exp`, least recently used out first (default 10,000; 0: none). */
  cacheSize?: number;
  /** At most one forced JWKS reload for an unknown `kid` per this many ms (default 10,000). */
  reloadIntervalMs?: number;
  /** Give up a JWKS fetch after this many ms and answer 503 (default 5,000). */
  timeoutMs?: number;
  /** How the JWKS is fetched (default: the global `fetch`); jose's `customFetch` signature. */
  fetch?: FetchImplementation;
  /** Counters to increment (default: a fresh object, readable as `verifier.stats`). */
  stats?: VerifierStats;
  /**
   * Called once for each refused token with the reason (issuer, audience, expiry, signature, unknown
   * kid, alg, ...): send it to your log. Never put it in the response. Errors it throws are ignored.
   */
  onRejected?: (rejection: Rejection) => void;
}

/** The settings a verifier checks against, defaults filled in. */
export interface VerifierConfig {
  jwksUrl: string;
  issuer: string | string[];
  audience: string | string[];
  algorithms: string[];
  /** Seconds. */
  clockTolerance: number;
  cacheSize: number;
  reloadIntervalMs: number;
  timeoutMs: number;
}

function httpUrl(option: string, value: string | URL): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new TypeError(`createVerifier: ${option} must be an absolute http(s) URL (got ${JSON.stringify(String(value))})`);
  }
  return url;
}

function claimValues(option: string, value: string | string[]): string | string[] {
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0 || values.some(item => typeof item !== 'string' || item === '')) {
    throw new TypeError(`createVerifier: ${option} must be a non-empty string or a non-empty list of them`);
  }
  return Array.isArray(value) ? Object.freeze([...value]) as string[] : value;
}

function count(option: string, value: number | undefined, fallback: number, { integer = true, positive = false } = {}): number {
  if (value === undefined) return fallback;
  const valid = Number.isFinite(value) && (integer ? Number.isSafeInteger(value) : true) && (positive ? value > 0 : value >= 0);
  if (!valid) throw new TypeError(`createVerifier: ${option} must be a ${integer ? 'whole ' : ''}number ${positive ? 'above' : 'of at least'} 0 (got ${value})`);
  return value;
}

export function resolveConfig(options: VerifierOptions): VerifierConfig {
  const authUrl = options.authUrl === undefined ? undefined : httpUrl('authUrl', options.authUrl);
  let jwksUrl: URL;
  if (options.jwksUrl !== undefined) jwksUrl = httpUrl('jwksUrl', options.jwksUrl);
  else if (authUrl) jwksUrl = new URL(`${authUrl.pathname.replace(/\/+$/, '')}/jwks`, authUrl.origin);
  else throw new TypeError('createVerifier: set authUrl (Better Auth\'s URL, e.g. https://auth.example.com/api/auth), or jwksUrl');
  const origin = (authUrl ?? jwksUrl).origin;

  const algorithms = options.algorithms ?? ['EdDSA'];
  if (!Array.isArray(algorithms) || algorithms.length === 0 || algorithms.some(alg => typeof alg !== 'string' || alg === '' || alg.toLowerCase() === 'none')) {
    throw new TypeError('createVerifier: algorithms must list JWS algorithms such as "EdDSA" (never "none")');
  }
  // frozen: the verifier reads these on every check, so changing verifier.config must not change what it accepts
  return Object.freeze({
    jwksUrl: jwksUrl.href,
    issuer: claimValues('issuer', options.issuer ?? origin),
    audience: claimValues('audience', options.audience ?? origin),
    algorithms: Object.freeze([...algorithms]) as string[],
    clockTolerance: count('clockTolerance', options.clockTolerance, 5, { integer: false }),
    cacheSize: count('cacheSize', options.cacheSize, 10_000),
    reloadIntervalMs: count('reloadIntervalMs', options.reloadIntervalMs, 10_000, { integer: false }),
    timeoutMs: count('timeoutMs', options.timeoutMs, 5_000, { positive: true }),
  });
}
