import { createAuthClient } from 'better-auth/client';
import { jwtClient } from 'better-auth/client/plugins';
import { AuthChatKitError } from './errors.js';
import type { FetchToken } from './token-source.js';

/** A host-supplied way to get a JWT; resolving `null` (or an empty string) means "signed out". */
export type TokenProvider = () => Promise<string | null | undefined> | string | null | undefined;

/**
 * Gets the JWT from a Better Auth server with its own client: `GET {authUrl}/token` with the
 * session cookie (`credentials: 'include'`, so a same-site auth server on another origin works)
 * and `cache: 'no-store'` (the endpoint sends no Cache-Control).
 */
export function betterAuthToken(authUrl: string, fetchImpl: typeof fetch = (...args) => fetch(...args)): FetchToken {
  const client = createAuthClient({
    baseURL: authUrl,
    plugins: [jwtClient()],
    fetchOptions: { credentials: 'include', customFetchImpl: fetchImpl },
  });
  return async signal => {
    let result: Awaited<ReturnType<typeof client.token>>;
    try {
      result = await client.token({ fetchOptions: { signal, cache: 'no-store' } });
    } catch (cause) {
      if (signal.aborted) throw cause;
      throw new AuthChatKitError('network', `Could not reach the sign-in server at ${authUrl}.`, { cause });
    }
    const { data, error } = result;
    if (error) {
      const status = error.status;
      if (status === 401 || status === 403) return null;
      throw new AuthChatKitError('server', `The sign-in server answered ${status} for ${authUrl}/token.`, { cause: error });
    }
    const token: unknown = (data as { token?: unknown } | null)?.token;
    if (typeof token !== 'string' || token === '') {
      throw new AuthChatKitError('bad-response', `${authUrl}/token did not answer with {"token": "<JWT>"}: is auth-url the Better Auth base URL, with the JWT plugin enabled?`);
    }
    return token;
  };
}

/** Adapts a host's `tokenProvider` to the TokenSource. */
export function providedToken(provider: TokenProvider): FetchToken {
  return async () => {
    let token: unknown;
    try {
      token = await provider();
    } catch (cause) {
      if (cause instanceof AuthChatKitError) throw cause;
      throw new AuthChatKitError('token-provider', 'The tokenProvider function failed.', { cause });
    }
    if (token === null || token === undefined || token === '') return null;
    if (typeof token !== 'string') {
      throw new AuthChatKitError('bad-response', 'The tokenProvider function must resolve a JWT string (or null when signed out).');
    }
    return token;
  };
}
