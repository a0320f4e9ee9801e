// `auth-chatkit/better-auth`: the Better Auth server plugin that lets <auth-chatkit> sign in on ANY
// site, third-party cookies blocked. Server-only: never part of the browser bundle.
//
//   betterAuth({ plugins: [jwt(), chatkitEmbed({ allowedOrigins: ['https://docs.example.com'] })] })
//
// The flow (the element drives it): a popup opens GET {basePath}/embed on the auth server (first-
// party there); the user signs in if needed and confirms; the page posts a single-use code, bound to
// the embedding origin, to that exact origin; the embedding page redeems it (POST /embed/redeem) for
// a NEW session of its own, held as an HttpOnly partitioned cookie (CHIPS) in the embedding site's
// partition or, where the browser refuses that, as a bearer credential the page keeps. Either one is
// a random secret of its own (the session's token never leaves the server), looked up by its hash
// on /token (JWTs for the chat) and /embed/sign-out ONLY: it cannot read or change the account.
import type { BetterAuthPlugin } from 'better-auth';
import { APIError, createAuthEndpoint, createAuthMiddleware, getSessionFromCtx, sessionMiddleware } from 'better-auth/api';
import { setRequestCookie } from 'better-auth/cookies';
import { generateRandomString, makeSignature } from 'better-auth/crypto';
import { handoffPage, refusalPage } from './embed/handoff-page.js';

export { HANDOFF_MESSAGE_TYPE } from './embed/handoff-page.js';

export interface ChatkitEmbedOptions {
  /**
   * Origins (`scheme://host[:port]`, exact, no wildcard) of the sites allowed to embed the widget.
   * They are added to Better Auth's `trustedOrigins`; list them in your CORS allow-list too
   * (credentials allowed) for `{basePath}/*`.
   */
  allowedOrigins: string[];
  /** Seconds a hand-off code stays redeemable (default 60; from 1 to 600). */
  codeExpiresIn?: number;
  /**
   * Your own sign-in page: the hand-off page links there, with `callbackURL` pointing back to it,
   * instead of showing its built-in e-mail and password form (which needs `emailAndPassword`).
   */
  signInUrl?: string;
}

/** Cookie names (after Better Auth's prefix): the embedded credential and the CHIPS probe. */
export const EMBED_COOKIE = 'chatkit_embed';
export const PROBE_COOKIE = 'chatkit_embed_probe';

const CODE_PREFIX = 'chatkit-embed:';
const NONCE = /^[\w-]{16,128}$/;

/** What a hand-off code stands for, stored (under the code's SHA-256) in Better Auth's verification table. */
interface CodeGrant {
  userId: string;
  origin: string;
  /** The first-party session that approved it: its sign-out ends the embedded sessions it made. */
  parent: string;
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

/** SHA-256, base64url: codes and credentials are stored (and looked up) by their hash only. */
async function hash(secret: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(secret));
  return btoa(String.fromCharCode(...new Uint8Array(digest))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The embedded credential this request carries: its partitioned cookie, else `Authorization: Bearer`. */
function embedCredential(ctx: Ctx): string | undefined {
  const cookie = ctx.getCookie(ctx.context.createAuthCookie(EMBED_COOKIE).name);
  if (cookie) return cookie;
  const authorization = ctx.headers?.get('authorization') ?? ctx.request?.headers.get('authorization') ?? '';
  return /^bearer\s+(\S+)$/i.exec(authorization)?.[1];
}

/** The session an embedded credential stands for, as Better Auth's signed session cookie value. */
async function embeddedSessionCookie(ctx: Ctx, credential: string): Promise<string | undefined> {
  const session = await ctx.context.adapter.findOne<{ token: string }>({
    model: 'session',
    where: [{ field: 'embedCredential', value: await hash(credential) }],
  });
  return session ? `${session.token}.${await makeSignature(session.token, ctx.context.secret)}` : undefined;
}

/** The attributes of a cookie in the embedding site's partition: sent cross-site, never readable by scripts. */
function partitioned(ctx: Ctx, maxAge: number) {
  const path = new URL(ctx.context.baseURL).pathname;
  return { httpOnly: true, secure: true, sameSite: 'none' as const, partitioned: true, path, maxAge };
}

function setEmbedCookie(ctx: Ctx, credential: string, maxAge: number): void {
  ctx.setCookie(ctx.context.createAuthCookie(EMBED_COOKIE).name, credential, partitioned(ctx, maxAge));
}

/** A JSON answer that no cache may keep: it carries or stands for a credential. */
function noStore<T extends Record<string, unknown>>(ctx: Ctx, body: T) {
  ctx.setHeader('Cache-Control', 'no-store');
  return ctx.json(body);
}

function refuse(status: 'BAD_REQUEST' | 'FORBIDDEN' | 'UNAUTHORIZED', code: string, message: string): never {
  throw new APIError(status, { code, message });
}

/**
 * The Better Auth plugin for cross-site embedding. Endpoints (under Better Auth's basePath):
 * - `GET /embed?origin=<embedding origin>&nonce=<16-128 url-safe chars>`: the hand-off page (HTML);
 *   400 without a script for an origin not allow-listed.
 * - `POST /embed/code` `{ origin }` (a first-party session): `{ code }`, single use, `codeExpiresIn` s.
 * - `GET /embed/probe`: sets a partitioned probe cookie, so the redeem can tell whether the browser
 *   keeps partitioned cookies (CHIPS).
 * - `POST /embed/redeem` `{ code }` from the code's origin: a new session for the user, answered
 *   `{ credential: 'cookie' }` (an HttpOnly partitioned cookie was set) or `{ credential: 'bearer',
 *   token }` (send it as `Authorization: Bearer` to `/token` and `/embed/sign-out`).
 * - `POST /embed/sign-out`: ends the embedded session and clears its cookie.
 * Errors are Better Auth's JSON `{ code, message }`; every answer is `Cache-Control: no-store`.
 */
export function chatkitEmbed(options: ChatkitEmbedOptions) {
  const { allowedOrigins, codeExpiresIn: codeSeconds = 60 } = options ?? {};
  if (!Array.isArray(allowedOrigins)) throw new TypeError('chatkitEmbed: allowedOrigins must be an array of origins like https://docs.example.com');
  if (!Number.isInteger(codeSeconds) || codeSeconds < 1 || codeSeconds > 600) {
    throw new TypeError(`chatkitEmbed: codeExpiresIn must be a whole number of seconds from 1 to 600 (got ${JSON.stringify(codeSeconds)})`);
  }
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

  return {
    id: 'chatkit-embed',
    init: () => ({ options: { trustedOrigins: [...allowed] } }),
    schema: {
      session: {
        fields: {
          embedOrigin: { type: 'string', required: false, input: false },
          embedParent: { type: 'string', required: false, input: false },
          /** The SHA-256 of the embedded credential: the credential itself is only ever with the page. */
          embedCredential: { type: 'string', required: false, input: false, unique: true, index: true },
        },
      },
    },
    rateLimit: [{ pathMatcher: path => path === '/embed/code' || path === '/embed/redeem', window: 60, max: 20 }],
    endpoints: {
      chatkitEmbedPage: createAuthEndpoint('/embed', { method: 'GET' }, async ctx => {
        const query = new URL(ctx.request?.url ?? 'http://invalid/').searchParams;
        const origin = allowedOrigin(query.get('origin'));
        const nonce = query.get('nonce') ?? '';
        if (!origin) return refusalPage(`${query.get('origin') ?? 'This page'} is not allowed to sign in with ${new URL(ctx.context.baseURL).host}.`);
        if (!NONCE.test(nonce)) return refusalPage('The sign-in link is incomplete: start again from the chat.');
        const session = await getSessionFromCtx(ctx).catch(() => null);
        return handoffPage({
          base: new URL(ctx.context.baseURL).pathname,
          origin,
          nonce,
          appName: ctx.context.appName,
          user: session ? { name: session.user.name, email: session.user.email } : undefined,
          signInUrl: options.signInUrl,
        });
      }),

      chatkitEmbedCode: createAuthEndpoint('/embed/code', { method: 'POST', use: [sessionMiddleware] }, async ctx => {
        const origin = allowedOrigin((ctx.body as { origin?: unknown } | undefined)?.origin);
        if (!origin) refuse('BAD_REQUEST', 'ORIGIN_NOT_ALLOWED', 'This origin is not allowed to embed the chat.');
        const { session, user } = ctx.context.session;
        const code = generateRandomString(32);
        const grant: CodeGrant = { userId: user.id, origin, parent: session.id };
        await ctx.context.internalAdapter.createVerificationValue({
          identifier: CODE_PREFIX + (await hash(code)),
          value: JSON.stringify(grant),
          expiresAt: new Date(Date.now() + codeSeconds * 1000),
        });
        return noStore(ctx, { code });
      }),

      chatkitEmbedProbe: createAuthEndpoint('/embed/probe', { method: 'GET' }, async ctx => {
        ctx.setCookie(ctx.context.createAuthCookie(PROBE_COOKIE).name, '1', partitioned(ctx, 600));
        return noStore(ctx, { ok: true });
      }),

      chatkitEmbedRedeem: createAuthEndpoint('/embed/redeem', { method: 'POST' }, async ctx => {
        const origin = allowedOrigin(ctx.request?.headers.get('origin'));
        if (!origin) refuse('FORBIDDEN', 'ORIGIN_NOT_ALLOWED', 'This origin is not allowed to embed the chat.');
        const code = (ctx.body as { code?: unknown } | undefined)?.code;
        if (typeof code !== 'string' || code.length > 256) refuse('BAD_REQUEST', 'INVALID_CODE', 'Send { "code": "<the code from the sign-in window>" }.');
        const stored = await ctx.context.internalAdapter.consumeVerificationValue(CODE_PREFIX + (await hash(code)));
        const grant = stored && (JSON.parse(stored.value) as CodeGrant);
        // single use: consumed above even when bound to another origin
        if (!grant || grant.origin !== origin) refuse('BAD_REQUEST', 'INVALID_CODE', 'The sign-in code is unknown, used or expired: sign in again.');
        // The page's credential is a secret of its own: the session's token, Better Auth's full
        // credential, never leaves the server.
        const credential = generateRandomString(43);
        await ctx.context.internalAdapter.createSession(grant.userId, false, {
          embedOrigin: origin,
          embedParent: grant.parent,
          embedCredential: await hash(credential),
        });
        const probe = ctx.context.createAuthCookie(PROBE_COOKIE).name;
        if (ctx.getCookie(probe)) {
          ctx.setCookie(probe, '', partitioned(ctx, 0));
          setEmbedCookie(ctx, credential, ctx.context.sessionConfig.expiresIn);
          return noStore(ctx, { credential: 'cookie' });
        }
        return noStore(ctx, { credential: 'bearer', token: credential });
      }),

      chatkitEmbedSignOut: createAuthEndpoint('/embed/sign-out', { method: 'POST' }, async ctx => {
        const current = await getSessionFromCtx(ctx).catch(() => null);
        // only a session this plugin made: a first-party cookie sent along is not ours to end
        if (current && (current.session as { embedOrigin?: string | null }).embedOrigin) {
          await ctx.context.internalAdapter.deleteSession(current.session.token);
        }
        setEmbedCookie(ctx, '', 0);
        return noStore(ctx, { success: true });
      }),
    },
    hooks: {
      before: [
        {
          // The embedded credential stands in for the session cookie on these two routes only.
          matcher: ctx => ctx.path === '/token' || ctx.path === '/embed/sign-out',
          handler: createAuthMiddleware(async ctx => {
            const credential = embedCredential(ctx);
            const session = credential && (await embeddedSessionCookie(ctx, credential));
            if (!session) return;
            const headers = new Headers(ctx.headers ?? ctx.request?.headers);
            setRequestCookie(headers, ctx.context.authCookies.sessionToken.name, session);
            return { context: { headers } };
          }),
        },
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
            const headers = ctx.context.responseHeaders;
            ctx.setHeader('Cache-Control', 'no-store'); // the JWT plugin sends none
            if (!headers || !embedCredential(ctx)) return;
            // A sliding session re-sets Better Auth's own cookies: never from an embedded credential
            // (they would land unpartitioned, or not at all); the embed cookie slides instead.
            const own = new Set(Object.values(ctx.context.authCookies).map(cookie => cookie.name));
            const lines = headers.getSetCookie();
            const kept = lines.filter(line => !own.has(line.slice(0, line.indexOf('='))));
            if (kept.length === lines.length) return;
            headers.delete('set-cookie');
            for (const line of kept) headers.append('set-cookie', line);
            const viaCookie = ctx.getCookie(ctx.context.createAuthCookie(EMBED_COOKIE).name);
            const session = ctx.context.session;
            if (viaCookie && session) {
              const seconds = Math.floor((new Date(session.session.expiresAt).getTime() - Date.now()) / 1000);
              setEmbedCookie(ctx, viaCookie, Math.max(0, seconds));
            }
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
