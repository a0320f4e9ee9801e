import { CREDENTIAL_HEADER, type BearerCredential } from './embed-session.js';
import { AuthChatKitError } from './errors.js';
import type { FetchToken } from './token-source.js';

/**
 * What a host's `tokenProvider` is called with:
 * - `signal`: aborts when the element no longer wants the answer (stopped, or the request timed out)
 * - `rejected`: true when the backend just refused the last token this provider returned: a cache in
 *   the host must be bypassed (as auth0's `getTokenSilently({ cacheMode: 'off' })` does)
 */
export interface TokenProviderContext {
  signal: AbortSignal;
  rejected: boolean;
}

/**
 * A host-supplied way to get a JWT; resolving `null` (or an empty string) means "signed out". The
 * token must be freshly issued or at least fresh: its expiry is timed from the moment of this call
 * plus `exp - iat` (a device clock cannot be trusted to read `exp`).
 */
export type TokenProvider = (
  context: TokenProviderContext,
) => Promise<string | null | undefined> | string | null | undefined;

/**
 * Gets the JWT from a Better Auth server's JWT plugin: `GET {authUrl}/token` with the session cookie
 * (`credentials: 'include'`: a same-site auth server) and `cache: 'no-store'`. With `credential` (the
 * any-site sign-in), `GET {authUrl}/embed/token` instead: the partitioned cookie, or a held bearer
 * credential as `Chatkit-Embed-Credential` (dropped when refused). Answers: 200
 * `{ "token": "<JWT>" }`; 401/403 resolve `null` (signed out); anything else rejects with `server`
 * or `bad-response`; a network failure rejects as is (the TokenSource reports it as `network`).
 */
export function betterAuthToken(
  authUrl: string,
  fetchImpl: typeof fetch = (...args) => fetch(...args),
  credential?: Pick<BearerCredential, 'get' | 'clear'>,
): FetchToken {
  const url = credential ? `${authUrl}/embed/token` : `${authUrl}/token`;
  return async ({ signal }) => {
    const bearer = credential?.get();
    const response = await fetchImpl(url, {
      credentials: 'include',
      cache: 'no-store',
      signal,
      headers: bearer ? { [CREDENTIAL_HEADER]: bearer } : {},
    });
    if (response.status === 401 || response.status === 403) {
      if (bearer) credential!.clear();
      return null;
    }
    if (!response.ok) throw new AuthChatKitError('server', `${url} answered ${response.status}.`);
    const body: unknown = await response.json().catch(() => null);
    return jwtString((body as { token?: unknown } | null)?.token, `${url} sent no token: is the JWT plugin on?`);
  };
}

/** Adapts a host's `tokenProvider` to the TokenSource. */
export const providedToken =
  (provider: TokenProvider): FetchToken =>
  async ({ signal, rejected }) => {
    let token: unknown;
    try {
      token = await provider({ signal, rejected: rejected !== undefined });
    } catch (cause) {
      throw new AuthChatKitError('token-provider', 'tokenProvider failed.', { cause });
    }
    if (token && token === rejected) {
      throw new AuthChatKitError('token-provider-stale', 'tokenProvider returned the token the backend just refused: bypass its cache when `rejected` is true.');
    }
    return token ? jwtString(token, 'tokenProvider must resolve a JWT or null.') : null;
  };

/** The answer must be a non-empty string; the TokenSource then checks that it is a JWT. */
function jwtString(token: unknown, message: string): string {
  if (typeof token !== 'string' || !token) throw new AuthChatKitError('bad-response', message);
  return token;
}
