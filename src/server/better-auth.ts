// `auth-chatkit/better-auth`: the Better Auth server plugin that lets <auth-chatkit> sign in on ANY
// site, third-party cookies blocked. Server-only: never part of the browser bundle.
//
//   betterAuth({ plugins: [jwt(), chatkitEmbed({ allowedOrigins: ['https://docs.example.com'] })] })
//
// The flow (the element drives it): the element gets the CHIPS probe cookie (GET /embed/probe),
// registers an attempt (POST /embed/attempt: its id and the S256 challenge of a verifier only the
// element holds; whether the probe came back decides, once and for all, which credential the attempt
// will get) and opens GET {basePath}/embed?origin&attempt in a popup, first-party on the auth server;
// the user signs in if needed and confirms (POST /embed/approve), which grants the attempt; the
// element then redeems it with the verifier (POST /embed/redeem), woken by the popup's message or,
// when the popup has no opener (a Cross-Origin-Opener-Policy), by polling. The redeem makes a NEW
// session of its own, held as an HttpOnly partitioned cookie (CHIPS) in the embedding site's
// partition or, where the browser refuses that, as a bearer credential the page keeps. Either one is
// a random secret of its own, carried under names no other plugin reads (its own cookie, its own
// header) to this plugin's own endpoints only: /embed/token (JWTs for the chat, minted with the JWT
// plugin's signer) and /embed/sign-out. Better Auth's session for it is never materialised in a
// request, so no other plugin (bearer(), multiSession(), a cookie cache) ever sees it.
import type { BetterAuthPlugin } from 'better-auth';
import { APIError, createAuthEndpoint, createAuthMiddleware, getSessionFromCtx, sessionMiddleware } from 'better-auth/api';
import { generateRandomString } from 'better-auth/crypto';
import { getJwtToken, type JwtOptions } from 'better-auth/plugins/jwt';
import { handoffPage, refusalPage } from './embed/handoff-page.js';

export { HANDOFF_MESSAGE_TYPE } from './embed/handoff-page.js';

export interface ChatkitEmbedOptions {
  /**
   * Origins (`scheme://host[:port]`, exact, no wildcard) of the sites allowed to embed the widget.
   * Trusted for this plugin's own routes only (never added to Better Auth's `trustedOrigins`, so
   * they are no redirect target for the rest of the auth server); list them in your CORS allow-list
   * too (credentials allowed, header `Chatkit-Embed-Credential`) for `{basePath}/embed/*`.
   */
  allowedOrigins: string[];
  /** Seconds an approved sign-in stays redeemable after the user's "Continue" (default 60; from 1 to 600). */
  codeExpiresIn?: number;
  /**
   * Seconds a sign-in attempt may last, from the popup's opening to the redeem (default 1800; from
   * 60 to 86400). Whether the browser keeps partitioned cookies is settled when the attempt starts,
   * so a slow sign-in still gets the cookie credential.
   */
  signInExpiresIn?: number;
  /**
   * Whether a browser that refuses partitioned cookies may get a bearer credential (default true).
   * `false`: such a browser is refused (`PARTITIONED_COOKIES_REQUIRED`), and no bearer is accepted.
   */
  bearer?: boolean;
  /**
   * Seconds a bearer credential lasts, from the redeem, never extended (default 28800, 8 hours;
   * from 60 to 604800). A cookie session lasts and slides as Better Auth's sessions do.
   */
  bearerExpiresIn?: number;
  /**
   * Your own sign-in page: the hand-off page links there, with `callbackURL` pointing back to it,
   * instead of showing its built-in e-mail and password form (which needs `emailAndPassword`).
   */
  signInUrl?: string;
}

/** Cookie names (after Better Auth's prefix): the embedded credential and the CHIPS probe. */
export const EMBED_COOKIE = 'chatkit_embed';
export const PROBE_COOKIE = 'chatkit_embed_probe';
/** The request header that carries a bearer credential: no other plugin reads it (bearer() reads Authorization). */
export const CREDENTIAL_HEADER = 'Chatkit-Embed-Credential';

const ATTEMPT_PREFIX = 'chatkit-embed:';
/** Attempt ids, verifiers and S256 challenges: 43 to 128 base64url characters (RFC 7636's sizes). */
const SECRET = /^[\w-]{43,128}$/;
/** The plugin's routes that embedding sites call cross-origin: their origin is checked here, exactly. */
const CROSS_SITE_PATHS = ['/embed/probe', '/embed/attempt', '/embed/redeem', '/embed/token', '/embed/sign-out'];

/**
 * A sign-in attempt, stored (under the attempt id's SHA-256) in Better Auth's verification table:
 * registered with the challenge, then granted by the user's "Continue".
 */
interface Attempt {
  origin: string;
  challenge: string;
  /** Whether the browser kept the probe cookie at registration: the redeem then sets a cookie, never answers a bearer. */
  cookie: boolean;
  /** Set on approval: the user, and the first-party session that approved (its end voids the grant and ends the embedded sessions it made). */
  userId?: string;
  parent?: string;
  /** The hand-off page loaded without an opener (a Cross-Origin-Opener-Policy): the element must keep polling. */
  severed?: boolean;
}

interface EmbeddedSession {
  id: string;
  token: string;
  userId: string;
  expiresAt: Date | string;
  embedOrigin: string;
  /** Whether the page holds it as a bearer credential (a fixed lifetime) or a partitioned cookie (sliding). */
  embedBearer?: boolean | null;
}

/** The shape of `ctx` the helpers need (Better Auth's endpoint and middleware contexts). */
type Ctx = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];

/** Normalised `scheme://host[:port]`, or undefined for anything that is not a bare http(s) origin. */
function originOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    const bare =
      (url.pathname === '/' || url.pathname === '') && !url.search && !url.hash && !url.username && !url.password && /^([\w-]+\.)*[\w-]+$|^\[[\d:a-f.]+\]$/i.test(url.hostname);
    return bare && (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value.replace(/\/$/, '') ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/** SHA-256, base64url: attempts and credentials are stored (and looked up) by their hash only; also the S256 challenge. */
async function hash(secret: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(secret));
  return btoa(String.fromCharCode(...new Uint8Array(digest))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const seconds = (name: string, value: number, min: number, max: number) => {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`chatkitEmbed: ${name} must be a whole number of seconds from ${min} to ${max} (got ${JSON.stringify(value)})`);
  }
  return value;
};

/** The attributes of a cookie in the embedding site's partition: sent cross-site, never readable by scripts. */
function partitioned(ctx: Ctx, maxAge: number) {
  const path = new URL(ctx.context.baseURL).pathname;
  return { httpOnly: true, secure: true, sameSite: 'none' as const, partitioned: true, path, maxAge };
}

/** A JSON answer that no cache may keep: it carries or stands for a credential. */
function noStore<T extends Record<string, unknown>>(ctx: Ctx, body: T) {
  ctx.setHeader('Cache-Control', 'no-store');
  return ctx.json(body);
}

function refuse(status: 'BAD_REQUEST' | 'FORBIDDEN' | 'UNAUTHORIZED' | 'INTERNAL_SERVER_ERROR', code: string, message: string): never {
  throw new APIError(status, { code, message });
}

const bodyOf = (ctx: Ctx) => (ctx.body ?? {}) as Record<string, unknown>;

/**
 * The Better Auth plugin for cross-site embedding. Endpoints (under Better Auth's basePath):
 * - `GET /embed/probe`: sets a partitioned probe cookie (CHIPS), 60 s.
 * - `POST /embed/attempt` `{ attempt, challenge }` (43-128 base64url characters each; challenge =
 *   BASE64URL(SHA-256(verifier))) from an allowed origin, with the probe cookie if the browser kept
 *   it: registers a sign-in attempt for `signInExpiresIn` s; `{ expiresIn }`. 403
 *   `PARTITIONED_COOKIES_REQUIRED` without the probe cookie when `bearer: false`.
 * - `GET /embed?origin=<embedding origin>&attempt=<id>`: the hand-off page (HTML); 400 without a
 *   script for an origin not allow-listed.
 * - `POST /embed/approve` `{ origin, attempt }` (a first-party session): grants the attempt to the
 *   user for `codeExpiresIn` s.
 * - `POST /embed/severed` `{ attempt }` (the hand-off page, when it has no opener): marks the attempt,
 *   so that the element keeps polling after the popup reads closed.
 * - `POST /embed/redeem` `{ attempt, verifier }` from the attempt's origin: `{ pending: true, severed }`
 *   until approved; then a new session for the user, answered `{ credential: 'cookie' }` (an
 *   HttpOnly partitioned cookie was set: the attempt was registered with the probe cookie) or
 *   `{ credential: 'bearer', token }` (send it as the `Chatkit-Embed-Credential` header). 400
 *   `INVALID_ATTEMPT` for an unknown, expired or voided attempt or a wrong verifier.
 * - `GET /embed/token` with the credential: `{ token }`, a JWT from the JWT plugin's signer; 401
 *   without a live embedded session.
 * - `POST /embed/sign-out`: ends the embedded session and clears its cookie.
 * Errors are Better Auth's JSON `{ code, message }`; every answer is `Cache-Control: no-store`.
 */
export function chatkitEmbed(options: ChatkitEmbedOptions) {
  const { allowedOrigins, codeExpiresIn = 60, signInExpiresIn = 1800, bearer = true, bearerExpiresIn = 28_800 } = options ?? {};
  if (!Array.isArray(allowedOrigins)) throw new TypeError('chatkitEmbed: allowedOrigins must be an array of origins like https://docs.example.com');
  const codeSeconds = seconds('codeExpiresIn', codeExpiresIn, 1, 600);
  const attemptSeconds = seconds('signInExpiresIn', signInExpiresIn, 60, 86_400);
  const bearerSeconds = seconds('bearerExpiresIn', bearerExpiresIn, 60, 604_800);
  const allowed = new Set(
    allowedOrigins.map(value => {
      const origin = originOf(value);
      if (!origin) throw new TypeError(`chatkitEmbed: allowedOrigins holds "${value}", which is not an origin like https://docs.example.com`);
      return origin;
    }),
  );
  const allowedOrigin = (value: unknown) => {
    const origin = originOf(value);
    return origin && allowed.has(origin) ? origin : undefined;
  };
  /** The request's Origin, which must be allow-listed (these routes skip Better Auth's check, which would need `trustedOrigins`). */
  const requestOrigin = (ctx: Ctx) => {
    const origin = allowedOrigin(ctx.request?.headers.get('origin'));
    return origin ?? refuse('FORBIDDEN', 'ORIGIN_NOT_ALLOWED', 'This origin is not allowed to embed the chat.');
  };

  const attemptKey = async (attempt: string) => ATTEMPT_PREFIX + (await hash(attempt));
  const storeAttempt = async (ctx: Ctx, attempt: string, value: Attempt, lifetime: number) =>
    ctx.context.internalAdapter.createVerificationValue({ identifier: await attemptKey(attempt), value: JSON.stringify(value), expiresAt: new Date(Date.now() + lifetime * 1000) });
  const cookieName = (ctx: Ctx, name: string) => ctx.context.createAuthCookie(name).name;

  /** The embedded credential this request carries (its partitioned cookie, else its own header), and how. */
  const credentialOf = (ctx: Ctx): { value: string; bearer: boolean } | undefined => {
    const cookie = ctx.getCookie(cookieName(ctx, EMBED_COOKIE));
    if (cookie) return { value: cookie, bearer: false };
    const header = bearer ? ctx.request?.headers.get(CREDENTIAL_HEADER)?.trim() : undefined;
    return header ? { value: header, bearer: true } : undefined;
  };

  /** The live embedded session a credential stands for, found by the credential's hash. */
  const embeddedSession = async (ctx: Ctx, credential: { value: string; bearer: boolean }) => {
    if (!SECRET.test(credential.value)) return undefined;
    const session = await ctx.context.adapter.findOne<EmbeddedSession>({ model: 'session', where: [{ field: 'embedCredential', value: await hash(credential.value) }] });
    // a credential is good only as it was handed out: a bearer never as the cookie, nor the reverse
    if (!session || !!session.embedBearer !== credential.bearer || new Date(session.expiresAt).getTime() <= Date.now()) return undefined;
    return session;
  };

  const setEmbedCookie = (ctx: Ctx, credential: string, maxAge: number) => ctx.setCookie(cookieName(ctx, EMBED_COOKIE), credential, partitioned(ctx, maxAge));

  return {
    id: 'chatkit-embed',
    // The cross-site routes check their Origin themselves, against allowedOrigins: Better Auth's
    // check would need the origins in trustedOrigins, which would trust them for every route.
    init: context => {
      const skip = context.skipOriginCheck;
      if (skip === true) return;
      return { context: { skipOriginCheck: [...(Array.isArray(skip) ? skip : []), ...CROSS_SITE_PATHS] } };
    },
    schema: {
      session: {
        fields: {
          embedOrigin: { type: 'string', required: false, input: false },
          embedParent: { type: 'string', required: false, input: false },
          /** The SHA-256 of the embedded credential: the credential itself is only ever with the page. */
          embedCredential: { type: 'string', required: false, input: false, unique: true, index: true },
          embedBearer: { type: 'boolean', required: false, input: false },
        },
      },
    },
    rateLimit: [
      { pathMatcher: path => ['/embed/probe', '/embed/attempt', '/embed/approve', '/embed/severed'].includes(path), window: 60, max: 20 },
      // the element polls the redeem every 2 s while the popup has no opener
      { pathMatcher: path => path === '/embed/redeem', window: 60, max: 60 },
    ],
    endpoints: {
      chatkitEmbedPage: createAuthEndpoint('/embed', { method: 'GET' }, async ctx => {
        const query = new URL(ctx.request?.url ?? 'http://invalid/').searchParams;
        const origin = allowedOrigin(query.get('origin'));
        const attempt = query.get('attempt') ?? '';
        if (!origin) return refusalPage(`${query.get('origin') ?? 'This page'} is not allowed to sign in with ${new URL(ctx.context.baseURL).host}.`);
        if (!SECRET.test(attempt)) return refusalPage('The sign-in link is incomplete: start again from the chat.');
        const session = await getSessionFromCtx(ctx).catch(() => null);
        return handoffPage({
          base: new URL(ctx.context.baseURL).pathname,
          origin,
          attempt,
          appName: ctx.context.appName,
          user: session ? { name: session.user.name, email: session.user.email } : undefined,
          signInUrl: options.signInUrl,
        });
      }),

      chatkitEmbedAttempt: createAuthEndpoint('/embed/attempt', { method: 'POST' }, async ctx => {
        const origin = requestOrigin(ctx);
        const { attempt, challenge } = bodyOf(ctx);
        if (typeof attempt !== 'string' || !SECRET.test(attempt) || typeof challenge !== 'string' || !/^[\w-]{43}$/.test(challenge)) {
          refuse('BAD_REQUEST', 'INVALID_ATTEMPT', 'Send { "attempt": "<43-128 url-safe characters>", "challenge": "<BASE64URL(SHA-256(verifier))>" }.');
        }
        const key = await attemptKey(attempt);
        // an id already in use is refused: a script cannot re-register the element's attempt with its own challenge
        if (await ctx.context.internalAdapter.findVerificationValue(key)) refuse('BAD_REQUEST', 'INVALID_ATTEMPT', 'This attempt is already registered.');
        // Settled now, for the whole attempt: a browser that keeps partitioned cookies gets a cookie, so
        // a script that later learns the verifier can still never obtain a bearer credential there.
        const cookie = !!ctx.getCookie(cookieName(ctx, PROBE_COOKIE));
        if (!cookie && !bearer) {
          refuse('FORBIDDEN', 'PARTITIONED_COOKIES_REQUIRED', 'This browser keeps no partitioned cookies, and this site accepts no other credential: allow cookies for the sign-in server, or use another browser.');
        }
        await storeAttempt(ctx, attempt, { origin, challenge, cookie }, attemptSeconds);
        if (cookie) ctx.setCookie(cookieName(ctx, PROBE_COOKIE), '', partitioned(ctx, 0));
        return noStore(ctx, { expiresIn: attemptSeconds });
      }),

      chatkitEmbedProbe: createAuthEndpoint('/embed/probe', { method: 'GET' }, async ctx => {
        ctx.setCookie(cookieName(ctx, PROBE_COOKIE), '1', partitioned(ctx, 60));
        return noStore(ctx, { ok: true });
      }),

      chatkitEmbedApprove: createAuthEndpoint('/embed/approve', { method: 'POST', use: [sessionMiddleware] }, async ctx => {
        const { origin, attempt } = bodyOf(ctx);
        if (!allowedOrigin(origin)) refuse('BAD_REQUEST', 'ORIGIN_NOT_ALLOWED', 'This origin is not allowed to embed the chat.');
        const found = typeof attempt === 'string' && SECRET.test(attempt) && (await ctx.context.internalAdapter.consumeVerificationValue(await attemptKey(attempt)));
        const registered = found && (JSON.parse(found.value) as Attempt);
        if (!registered || registered.origin !== allowedOrigin(origin) || registered.userId) {
          refuse('BAD_REQUEST', 'INVALID_ATTEMPT', 'This sign-in expired or was already used: close this window and sign in again from the chat.');
        }
        const { session, user } = ctx.context.session;
        await storeAttempt(ctx, attempt as string, { ...registered, userId: user.id, parent: session.id }, codeSeconds);
        return noStore(ctx, { success: true });
      }),

      chatkitEmbedSevered: createAuthEndpoint('/embed/severed', { method: 'POST' }, async ctx => {
        const { attempt } = bodyOf(ctx);
        const key = typeof attempt === 'string' && SECRET.test(attempt) ? await attemptKey(attempt) : undefined;
        const found = key && (await ctx.context.internalAdapter.consumeVerificationValue(key));
        if (!found) refuse('BAD_REQUEST', 'INVALID_ATTEMPT', 'This sign-in expired or was already used: close this window and sign in again from the chat.');
        const seconds = Math.max(1, Math.ceil((new Date(found.expiresAt).getTime() - Date.now()) / 1000));
        await storeAttempt(ctx, attempt as string, { ...(JSON.parse(found.value) as Attempt), severed: true }, seconds);
        return noStore(ctx, { success: true });
      }),

      chatkitEmbedRedeem: createAuthEndpoint('/embed/redeem', { method: 'POST' }, async ctx => {
        const origin = requestOrigin(ctx);
        const { attempt, verifier } = bodyOf(ctx);
        const invalid = () => refuse('BAD_REQUEST', 'INVALID_ATTEMPT', 'This sign-in is unknown, used, expired or ended: sign in again.');
        if (typeof attempt !== 'string' || !SECRET.test(attempt) || typeof verifier !== 'string' || !SECRET.test(verifier)) return invalid();
        const key = await attemptKey(attempt);
        const found = await ctx.context.internalAdapter.findVerificationValue(key);
        const stored = found && new Date(found.expiresAt).getTime() > Date.now() ? (JSON.parse(found.value) as Attempt) : undefined;
        // bound to the attempt that asked: only its verifier, from its origin, redeems it
        if (!stored || stored.origin !== origin || stored.challenge !== (await hash(verifier))) return invalid();
        if (!stored.userId) return noStore(ctx, { pending: true, severed: !!stored.severed });
        const viaCookie = stored.cookie;
        if (!(await ctx.context.internalAdapter.consumeVerificationValue(key))) return invalid();
        // voided when the approving session has ended since (a sign-out, a revocation)
        const parent = await ctx.context.adapter.findOne<{ expiresAt: Date | string }>({ model: 'session', where: [{ field: 'id', value: stored.parent! }] });
        if (!parent || new Date(parent.expiresAt).getTime() <= Date.now()) return invalid();
        // The page's credential is a secret of its own: the session's token, Better Auth's full
        // credential, never leaves the server.
        const credential = generateRandomString(43);
        const lifetime = viaCookie ? ctx.context.sessionConfig.expiresIn : bearerSeconds;
        await ctx.context.internalAdapter.createSession(
          stored.userId,
          false,
          { embedOrigin: origin, embedParent: stored.parent, embedCredential: await hash(credential), embedBearer: !viaCookie, expiresAt: new Date(Date.now() + lifetime * 1000) },
          true,
        );
        if (viaCookie) {
          setEmbedCookie(ctx, credential, lifetime);
          return noStore(ctx, { credential: 'cookie' });
        }
        return noStore(ctx, { credential: 'bearer', token: credential });
      }),

      chatkitEmbedToken: createAuthEndpoint('/embed/token', { method: 'GET' }, async ctx => {
        const credential = credentialOf(ctx);
        const session = credential && (await embeddedSession(ctx, credential));
        const user = session && (await ctx.context.internalAdapter.findUserById(session.userId));
        if (!session || !user) refuse('UNAUTHORIZED', 'UNAUTHORIZED', 'No embedded session: sign in again.');
        const jwtOptions = (ctx.context.getPlugin('jwt') as { options?: JwtOptions } | null)?.options;
        if (!ctx.context.getPlugin('jwt')) refuse('INTERNAL_SERVER_ERROR', 'JWT_PLUGIN_MISSING', 'chatkitEmbed needs Better Auth’s jwt() plugin.');
        // A cookie session slides as Better Auth's sessions do (the partitioned cookie with it); a bearer never.
        if (!credential.bearer) {
          const { expiresIn, updateAge } = ctx.context.sessionConfig;
          if (new Date(session.expiresAt).getTime() - expiresIn * 1000 + updateAge * 1000 <= Date.now()) {
            await ctx.context.internalAdapter.updateSession(session.token, { expiresAt: new Date(Date.now() + expiresIn * 1000) });
            setEmbedCookie(ctx, credential.value, expiresIn);
          }
        }
        // The JWT plugin's own signer, with its options (issuer, audience, payload): the same token /token would give.
        const token = await getJwtToken({ ...ctx, context: { ...ctx.context, session: { session, user } } } as never, jwtOptions);
        return noStore(ctx, { token });
      }),

      chatkitEmbedSignOut: createAuthEndpoint('/embed/sign-out', { method: 'POST' }, async ctx => {
        requestOrigin(ctx);
        const credential = credentialOf(ctx);
        const session = credential && (await embeddedSession(ctx, credential));
        if (session) await ctx.context.internalAdapter.deleteSession(session.token);
        setEmbedCookie(ctx, '', 0);
        return noStore(ctx, { success: true });
      }),
    },
    hooks: {
      before: [
        {
          // Signing out on the auth site ends the embedded sessions that session approved.
          matcher: ctx => ctx.path === '/sign-out',
          handler: createAuthMiddleware(async ctx => {
            const current = await getSessionFromCtx(ctx).catch(() => null);
            if (!current) return;
            await ctx.context.adapter.deleteMany({ model: 'session', where: [{ field: 'embedParent', value: current.session.id }] });
          }),
        },
      ],
      after: [
        {
          matcher: ctx => ctx.path === '/token',
          handler: createAuthMiddleware(async ctx => {
            ctx.setHeader('Cache-Control', 'no-store'); // the JWT plugin sends none
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
