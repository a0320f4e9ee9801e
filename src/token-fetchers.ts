import { createAuthClient } from 'better-auth/client';
import { jwtClient } from 'better-auth/client/plugins';
import { AuthChatKitError } from './errors.js';
import type { FetchToken } from './token-source.js';

/** A host-supplied way to get a JWT; resolving `null` (or an empty string) means "signed out". */
export type TokenProvider = () => Promise<string | null | undefined> | string | null | undefined;

/**
 * Gets the JWT from a Better Auth server with its own client: `GET {authUrl}/token` with the
 * session cookie (`credentials: 'include'`, so a same-site auth server on another origin works)
 * and `cache: 'no-store'` (the endpoint sends no Cache-Control). A network failure rejects as is:
 * the TokenSource reports it as `network`.
 */
export function betterAuthToken(authUrl: string, fetchImpl: typeof fetch = (...args) => fetch(...args)): FetchToken {
  const client = createAuthClient({
    baseURL: authUrl,
    plugins: [jwtClient()],
    fetchOptions: { credentials: 'include', customFetchImpl: fetchImpl },
  });
  return async signal => {
    const { data, error } = await client.token({ fetchOptions: { signal, cache: 'no-store' } });
    if (error) {
      if (error.status === 401 || error.status === 403) return null;
      throw new AuthChatKitError('server', `${authUrl}/token answered ${error.status}.`, { cause: error });
    }
    return jwtString((data as { token?: unknown } | null)?.token, `${authUrl}/token sent no token: is the JWT plugin on?`);
  };
}

/** Adapts a host's `tokenProvider` to the TokenSource. */
export const providedToken =
  (provider: TokenProvider): FetchToken =>
  async () => {
    let token: unknown;
    try {
      token = await provider();
    } catch (cause) {
      throw new AuthChatKitError('token-provider', 'tokenProvider failed.', { cause });
    }
    return token ? jwtString(token, 'tokenProvider must resolve a JWT or null.') : null;
  };

/** The answer must be a non-empty string; the TokenSource then checks that it is a JWT. */
function jwtString(token: unknown, message: string): string {
  if (typeof token !== 'string' || !token) throw new AuthChatKitError('bad-response', message);
  return token;
}
