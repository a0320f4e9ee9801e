// Better Auth: email + password accounts and sessions in the backend's database (SQLite or
// PostgreSQL: database.ts), and the JWT plugin that turns a session into a short-lived EdDSA token for
// the chat backend (GET /api/auth/token, JWKS at /api/auth/jwks). Issuer and audience are pinned; the
// token carries sub and name only (no email).
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { betterAuth } from 'better-auth';
import { symmetricDecrypt } from 'better-auth/crypto';
import { getMigrations } from 'better-auth/db/migration';
import { jwt } from 'better-auth/plugins';
import { createJwk } from 'better-auth/plugins/jwt';
import type { JwtOptions } from 'better-auth/plugins/jwt';
import { chatkitEmbed } from '../../src/server/better-auth.js';
import { ConfigError } from './config.js';
import { withoutQueries } from './http-errors.js';
import type { AppDatabase } from './database.js';

export const AUTH_BASE_PATH = '/api/auth';
export const SECRET_FILE_NAME = '.better-auth-secret';
/**
 * The header app.ts sets on every auth request (replacing any the client sent): the connection's
 * peer address, preceded by the `X-Forwarded-For` entries when TRUSTED_PROXIES are configured.
 */
export const CLIENT_ADDRESS_HEADER = 'x-auth-chatkit-client-address';

export interface AuthSetup {
  database: AppDatabase['auth'];
  secret: string;
  /** baseURL. */
  publicUrl: string;
  /** The tokens' `iss` and `aud` (JWT_ISSUER / JWT_AUDIENCE, or the public URL). */
  issuer: string;
  audience: string;
  /** A validated time span (config.ts): never a number, which Better Auth reads as a timestamp. */
  jwtExpiration: string;
  trustedOrigins: string[];
  /** Other sites allowed to embed the widget with the popup sign-in (the chatkitEmbed plugin). */
  embedOrigins: string[];
  embedCodeExpiresIn: number;
  /** Rate limits on or off (an explicit choice: Better Auth's default follows NODE_ENV), and where they count. */
  rateLimit: { enabled: boolean; storage: AppDatabase['rateLimitStorage'] };
  /** TRUSTED_PROXIES: app.ts writes CLIENT_ADDRESS_HEADER from the connection; Better Auth walks it past these. */
  trustedProxies: string[];
  log: boolean;
}

export function createAuth(setup: AuthSetup) {
  const jwtOptions = {
    jwks: { keyPairConfig: { alg: 'EdDSA', crv: 'Ed25519' } },
    jwt: {
      issuer: setup.issuer,
      audience: setup.audience,
      expirationTime: setup.jwtExpiration,
      // sub is the user id (added by the plugin); the chat backend needs nothing else but a name
      definePayload: ({ user }) => ({ name: user.name }),
    },
  } satisfies JwtOptions;

  const auth = betterAuth({
    baseURL: setup.publicUrl,
    basePath: AUTH_BASE_PATH,
    secret: setup.secret,
    database: setup.database,
    emailAndPassword: { enabled: true },
    trustedOrigins: setup.trustedOrigins,
    plugins: [jwt(jwtOptions), chatkitEmbed({ allowedOrigins: setup.embedOrigins, codeExpiresIn: setup.embedCodeExpiresIn })],
    rateLimit: setup.rateLimit,
    // Rate limits count per client: the address app.ts puts here (never a header the client sent)
    advanced: { ipAddress: { ipAddressHeaders: [CLIENT_ADDRESS_HEADER], trustedProxies: setup.trustedProxies } },
    // Errors Better Auth does not answer itself (a database that cannot be reached) reach app.ts,
    // which answers 503 or a 500 JSON, instead of an empty 500 here.
    onAPIError: { throw: true },
    telemetry: { enabled: false },
    logger: {
      disabled: !setup.log,
      level: 'warn',
      // one line, message only (the extra arguments may hold request data), no URL's query string
      log: (level, message) => console.error(withoutQueries(`better-auth ${level}: ${message}`)),
    },
  });

  return {
    auth,
    /**
     * Creates Better Auth's tables (user, session, account, verification, jwks, and rateLimit when
     * counted in the database) when missing, and checks that the secret opens the stored signing keys:
     * a changed secret fails the start, rather than every token request later.
     */
    async migrate(): Promise<void> {
      const { runMigrations } = await getMigrations(auth.options);
      await runMigrations();
      const { adapter, secretConfig } = await auth.$context;
      const [latest] = await adapter.findMany<{ privateKey: string }>({ model: 'jwks', sortBy: { field: 'createdAt', direction: 'desc' }, limit: 1 });
      if (!latest) return;
      try {
        await symmetricDecrypt({ key: secretConfig, data: JSON.parse(latest.privateKey) as string });
      } catch {
        throw new ConfigError(
          'BETTER_AUTH_SECRET',
          'does not open the signing keys stored in the database (they were made with another secret): restore that secret, or use a new database',
        );
      }
    },
    /**
     * Adds a new signing key through the plugin's own helper; being the newest, it signs every token
     * from now on, while the older keys stay in the JWKS. (Key rotation without waiting for
     * `jwks.rotationInterval`.) Returns the new key's id, the `kid` of the tokens it signs.
     */
    async addSigningKey(): Promise<string> {
      const context = await auth.$context;
      const key = await createJwk({ context } as Parameters<typeof createJwk>[0], jwtOptions);
      return key.id;
    },
  };
}

export type AuthService = ReturnType<typeof createAuth>;

/**
 * BETTER_AUTH_SECRET when given; otherwise 32 random bytes generated on first start into a 0600 file
 * beside the database and reused after (the JWT signing keys are encrypted with it, so it must not
 * change). An in-memory database gets a secret that lives as long as the process.
 */
export function resolveSecret(configured: string | undefined, databasePath: string): string {
  if (configured) return configured;
  if (databasePath === ':memory:') return randomBytes(32).toString('hex');

  const file = secretFilePath(databasePath);
  const fresh = randomBytes(32).toString('hex');
  try {
    writeFileSync(file, `${fresh}\n`, { mode: 0o600, flag: 'wx' });
    return fresh;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const kept = readFileSync(file, 'utf8').trim();
  if (kept.length < 32) throw new Error(`${file} holds a secret shorter than 32 characters: delete it or set BETTER_AUTH_SECRET`);
  return kept;
}

export function secretFilePath(databasePath: string): string {
  return join(dirname(resolve(databasePath)), SECRET_FILE_NAME);
}
