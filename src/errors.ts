/**
 * Every failure auth-chatkit reports, by a stable code:
 * - `config`: a missing or invalid attribute or property, or the page refusing Lit's Trusted Types policy (`lit-html`)
 * - `network`: the sign-in server could not be reached (or did not answer in time)
 * - `server`: the sign-in server answered with an unexpected status (5xx, 404, ...)
 * - `token-provider`: the host's `tokenProvider` threw
 * - `token-provider-stale`: the host's `tokenProvider`, told that its last token was refused, returned it again
 * - `unauthorized`: no session (401/403 from the token endpoint): the user is signed out
 * - `bad-response`: the token endpoint answered something that is not `{ "token": "<JWT>" }`
 * - `malformed-token`: the token is not a JWT
 * - `token-without-expiry`: the JWT carries no numeric `exp`
 * - `token-expired`: the JWT was already expired when it arrived, or lives too short to be used
 * - `chatkit-load`: the ChatKit script failed to load (a load error, a Trusted Types policy refused) or to define `<openai-chatkit>` in time
 * - `chat-unauthorized`: the chat backend refused the token, even after a forced refresh
 * - `popup-blocked`: the browser blocked the sign-in popup (any-site sign-in)
 * - `popup-closed`: the sign-in popup was closed before it finished (not reported: back to signed-out)
 * - `popup-no-opener`: the sign-in popup has no link back to the page (a `Cross-Origin-Opener-Policy`
 *   on the sign-in server or its sign-in page): the sign-in still completes, found by polling
 * - `sign-in-expired`: the sign-in attempt outlived the server's `signInExpiresIn`
 * - `sign-in-refused`: the sign-in server refused the attempt (expired, ended, or a browser without
 *   partitioned cookies where the site accepts none other)
 */
export type AuthChatKitErrorCode =
  | 'config'
  | 'network'
  | 'server'
  | 'token-provider'
  | 'token-provider-stale'
  | 'unauthorized'
  | 'bad-response'
  | 'malformed-token'
  | 'token-without-expiry'
  | 'token-expired'
  | 'chatkit-load'
  | 'chat-unauthorized'
  | 'popup-blocked'
  | 'popup-closed'
  | 'popup-no-opener'
  | 'sign-in-expired'
  | 'sign-in-refused';

export class AuthChatKitError extends Error {
  override name = 'AuthChatKitError';
  readonly code: AuthChatKitErrorCode;

  constructor(code: AuthChatKitErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Failures worth retrying on their own: the server may come back. */
export function isTransient(code: AuthChatKitErrorCode): boolean {
  return code === 'network' || code === 'server' || code === 'token-provider';
}
