// Environment -> validated configuration. Every bad value fails at start with ConfigError, a one-line
// message naming the variable (main.ts prints it and exits 1).
import { isIP } from 'node:net';
import type { Store } from '../../src/server/index.js';
import type { Responder } from './responders/types.js';

export interface ServerConfig {
  /** PORT (default 8787; 0 = an ephemeral port). */
  port: number;
  /** HOST (default 127.0.0.1): the address the server binds. */
  host: string;
  /** DATABASE_PATH (default .data/demo.sqlite; its folder is created). ':memory:' keeps nothing. */
  databasePath: string;
  /** DATABASE_URL (postgres:// or postgresql://): everything on PostgreSQL instead; DATABASE_PATH unused. */
  databaseUrl?: string;
  /**
   * ATTACHMENTS_DIR: where uploaded files live on SQLite (default: `attachments/` beside the database
   * file; a temporary folder with ':memory:'). On PostgreSQL they are in the database.
   */
  attachmentsDir?: string;
  /** RATE_LIMIT (default on): Better Auth's rate limits, kept in the database on PostgreSQL (shared by the instances). */
  rateLimit: boolean;
  /**
   * TRUSTED_PROXIES: comma list of addresses or CIDR ranges (10.0.0.0/8, ::1) of the proxies or load
   * balancers in front. The client's address, which rate limits count by, is the connection's peer;
   * `X-Forwarded-For` is read only when that peer is one of these (then its nearest untrusted entry).
   */
  trustedProxies: string[];
  /** BETTER_AUTH_SECRET (32+ characters); absent: generated once into a 0600 file beside the database. */
  betterAuthSecret?: string;
  /** PUBLIC_URL: the origin users reach; absent: http://HOST:PORT with the port actually bound. */
  publicUrl?: string;
  /** JWT_EXPIRATION (default 15m): a time span such as 30s, 15m, 1h, 1d; from 5s to 30d. */
  jwtExpiration: string;
  /** ALLOWED_ORIGINS: comma list of origins for CORS and Better Auth's trustedOrigins (own origin added). */
  allowedOrigins: string[];
  /** JWKS_URL: verify tokens of another auth server; absent: this server's /api/auth/jwks (in process). */
  jwksUrl?: string;
  /**
   * JWT_ISSUER: the `iss` of the tokens this server issues and of those it accepts. Absent: issued
   * with PUBLIC_URL; accepted: the origin of JWKS_URL (Better Auth's default there), or PUBLIC_URL.
   */
  jwtIssuer?: string;
  /** JWT_AUDIENCE: the same for `aud`. */
  jwtAudience?: string;
  /** OPENAI_API_KEY (empty = absent): switches the responder from offline to OpenAI. */
  openaiApiKey?: string;
  /** OPENAI_MODEL (default gpt-4.1-mini). */
  openaiModel: string;
  /** OPENAI_BASE_URL: another Responses API endpoint (a proxy, or a local stub in tests). */
  openaiBaseUrl?: string;
  /** OPENAI_AGENTS_TRACING=on: the Agents SDK sends its traces to OpenAI (default off: nothing leaves but the model calls). */
  openaiTracing: boolean;

  // Not from the environment: for tests and benchmarks.
  /** One line per request: METHOD /path STATUS ms (never the query string). */
  log: boolean;
  /** Verified tokens remembered until their exp (least recently used out first); 0 disables. */
  verifiedTokenCacheSize: number;
  /** At most one forced JWKS reload (for an unknown kid) per this many ms. */
  jwksReloadIntervalMs: number;
  /** Give up fetching the JWKS after this many ms (answers 503). */
  jwksTimeoutMs: number;
  /** Seconds of clock skew tolerated on exp/nbf/iat. */
  clockToleranceSec: number;
  /** Request bodies above this many bytes answer 413. */
  maxBodyBytes: number;
  /** Largest attachment accepted, in bytes (default 10 MB). */
  attachmentMaxBytes: number;
  /** Pause between the offline responder's text deltas. */
  offlineDelayMs: number;
  /** Seconds an any-site hand-off code stays redeemable. */
  embedCodeExpiresIn: number;
  /** Makes the responder instead of OPENAI_API_KEY's choice, given the chat store (tests inject failing or slow ones). */
  responder?: (store: Store) => Responder;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable} ${message}`);
  }
}

type Env = Record<string, string | undefined>;

const TIME_SPAN = /^(\d+) ?(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?)$/i;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const MIN_JWT_SECONDS = 5;
const MAX_JWT_SECONDS = 30 * 86_400;

/** Seconds in a JWT_EXPIRATION-style time span, or undefined when it is not one. */
export function timeSpanSeconds(value: string): number | undefined {
  const match = TIME_SPAN.exec(value);
  if (!match?.[1] || !match[2]) return undefined;
  // s/sec/second, m/min/minute, h/hr/hour, d/day: the first letter names the unit
  const seconds = Number(match[1]) * (UNIT_SECONDS[match[2].toLowerCase().charAt(0)] ?? Number.NaN);
  return Number.isSafeInteger(seconds) && seconds > 0 ? seconds : undefined;
}

/** `http://host:port` with IPv6 literals bracketed. */
export function originFor(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export function loadConfig(env: Env): ServerConfig {
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };

  const port = parsePort(get('PORT'));
  const host = get('HOST') ?? '127.0.0.1';
  if (/[\s/]/.test(host)) throw new ConfigError('HOST', `must be a host name or IP address (got "${host}")`);

  const databasePath = get('DATABASE_PATH') ?? '.data/demo.sqlite';
  const databaseUrl = optional(get('DATABASE_URL'), parseDatabaseUrl);
  const attachmentsDir = get('ATTACHMENTS_DIR');

  const betterAuthSecret = get('BETTER_AUTH_SECRET');
  if (betterAuthSecret !== undefined && betterAuthSecret.length < 32) {
    throw new ConfigError('BETTER_AUTH_SECRET', `must be at least 32 characters (got ${betterAuthSecret.length}); unset it to generate one`);
  }
  if (databaseUrl && betterAuthSecret === undefined) {
    // a generated one would live beside one instance only; the signing keys in the database are encrypted with it
    throw new ConfigError('BETTER_AUTH_SECRET', 'must be set with DATABASE_URL: every instance on the database needs the same secret');
  }

  const rateLimit = get('RATE_LIMIT') ?? 'on';
  if (rateLimit !== 'on' && rateLimit !== 'off') throw new ConfigError('RATE_LIMIT', `must be on or off (got "${rateLimit}")`);

  const trustedProxies = (get('TRUSTED_PROXIES') ?? '')
    .split(',')
    .map(entry => entry.trim())
    .filter(Boolean)
    .map(entry => {
      const [address, bits, extra] = entry.split('/');
      const family = isIP(address ?? '');
      const ok = family !== 0 && extra === undefined && (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128)));
      if (!ok) throw new ConfigError('TRUSTED_PROXIES', `holds "${entry}", which is not an address or CIDR range like 10.0.0.0/8`);
      return entry;
    });

  const publicUrl = optional(get('PUBLIC_URL'), value => parseOrigin('PUBLIC_URL', value));

  const jwtExpiration = get('JWT_EXPIRATION') ?? '15m';
  const jwtSeconds = timeSpanSeconds(jwtExpiration);
  if (jwtSeconds === undefined) {
    throw new ConfigError(
      'JWT_EXPIRATION',
      `must be a positive time span like 30s, 15m, 1h or 1d (got "${jwtExpiration}"); Better Auth reads a bare number as an absolute timestamp`,
    );
  }
  if (jwtSeconds < MIN_JWT_SECONDS) {
    // iat is whole seconds and the widget keeps a few seconds of margin: shorter tokens arrive unusable
    throw new ConfigError('JWT_EXPIRATION', `must be at least 5s (got "${jwtExpiration}"): shorter tokens expire before the widget can use them`);
  }
  if (jwtSeconds > MAX_JWT_SECONDS) {
    throw new ConfigError('JWT_EXPIRATION', `must be at most 30d (got "${jwtExpiration}"): the tokens are refreshed, they need not live long`);
  }

  const allowedOrigins = (get('ALLOWED_ORIGINS') ?? '')
    .split(',')
    .map(origin => origin.trim())
    .filter(Boolean)
    .map(origin => parseOrigin('ALLOWED_ORIGINS', origin));

  const jwksUrl = optional(get('JWKS_URL'), value => parseHttpUrl('JWKS_URL', value).href);
  const jwtIssuer = optional(get('JWT_ISSUER'), value => parseClaim('JWT_ISSUER', value));
  const jwtAudience = optional(get('JWT_AUDIENCE'), value => parseClaim('JWT_AUDIENCE', value));
  const openaiBaseUrl = optional(get('OPENAI_BASE_URL'), value => parseHttpUrl('OPENAI_BASE_URL', value).href.replace(/\/$/, ''));

  return {
    port,
    host,
    databasePath,
    databaseUrl,
    attachmentsDir,
    rateLimit: rateLimit === 'on',
    trustedProxies,
    betterAuthSecret,
    publicUrl,
    jwtExpiration,
    allowedOrigins: [...new Set(allowedOrigins)],
    jwksUrl,
    jwtIssuer,
    jwtAudience,
    openaiApiKey: get('OPENAI_API_KEY'),
    openaiModel: get('OPENAI_MODEL') ?? 'gpt-4.1-mini',
    openaiBaseUrl,
    openaiTracing: get('OPENAI_AGENTS_TRACING') === 'on',
    log: true,
    verifiedTokenCacheSize: 10_000,
    jwksReloadIntervalMs: 10_000,
    jwksTimeoutMs: 5_000,
    clockToleranceSec: 5,
    maxBodyBytes: 1024 * 1024,
    attachmentMaxBytes: 10_000_000,
    offlineDelayMs: 40,
    embedCodeExpiresIn: 60,
  };
}

function optional<T>(value: string | undefined, parse: (value: string) => T): T | undefined {
  return value === undefined ? undefined : parse(value);
}

function parsePort(value: string | undefined): number {
  if (value === undefined) return 8787;
  const port = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(port >= 0 && port <= 65_535)) throw new ConfigError('PORT', `must be a whole number from 0 to 65535 (got "${value}")`);
  return port;
}

/** A postgres:// URL as pg takes it. The value is never echoed: it may hold a password. */
function parseDatabaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('DATABASE_URL', 'must be a URL like postgres://user:password@host:5432/database (the value does not parse as a URL)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError('DATABASE_URL', `must be a postgres:// or postgresql:// URL (got a "${url.protocol}" URL)`);
  }
  if (!url.hostname && !url.searchParams.has('host')) throw new ConfigError('DATABASE_URL', 'must name a host, like postgres://user:password@host:5432/database');
  return value;
}

function parseHttpUrl(variable: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(variable, `must be an http(s) URL (got "${value}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(variable, `must be an http(s) URL (got "${value}")`);
  }
  return url;
}

/**
 * An `iss` or `aud` value (RFC 7519 StringOrURI), kept exactly as written: it is compared exactly,
 * so normalising it (a trailing slash, a lowercased host) would refuse every token.
 */
function parseClaim(variable: string, value: string): string {
  if (/[\s\p{Cc}]/u.test(value)) throw new ConfigError(variable, `must be one value without spaces, like https://auth.example.com (got "${value}")`);
  if (value.includes(':')) {
    try {
      new URL(value);
    } catch {
      throw new ConfigError(variable, `must be a URL like https://auth.example.com, or a name without ":" (got "${value}")`);
    }
  }
  return value;
}

/** An origin such as https://chat.example.com (no path, query or credentials), returned normalised. */
function parseOrigin(variable: string, value: string): string {
  const url = parseHttpUrl(variable, value);
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username || url.password) {
    throw new ConfigError(variable, `must list origins like https://app.example.com, with no path (got "${value}")`);
  }
  return url.origin;
}
