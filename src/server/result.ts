// What a verification answers: this user, or a refusal with a stable code. The refusals are four
// fixed answers whose text never depends on the token: why a token was refused goes to the server's
// log (see Rejection in verify.ts), never to the caller, who could use it to tune a forgery.
import type { JWTPayload } from 'jose';

/** Who a verified token says is calling. Shared by every request bringing the same token: read it, don't change it. */
export interface Identity {
  /** The `sub` claim: Better Auth's user id. Never empty. */
  sub: string;
  /** The `name` claim, when the token has one as a string. */
  name?: string;
  /** Every claim of the verified token (`iss`, `aud`, `exp`, ... and your `definePayload` ones). */
  claims: JWTPayload;
}

/**
 * - `missing_token`: no `Authorization: Bearer <token>` header (401)
 * - `invalid_token`: anything wrong with the token but its age: malformed, another algorithm, a bad
 *   signature, a key not in the JWKS, the wrong issuer or audience, no `sub` or `exp` (401)
 * - `token_expired`: a valid token past its `exp` (beyond the clock tolerance): get a new one (401)
 * - `jwks_unavailable`: the JWKS could not be fetched, so no token can be checked now (503)
 */
export type AuthErrorCode = 'missing_token' | 'invalid_token' | 'token_expired' | 'jwks_unavailable';

export interface AuthSuccess {
  ok: true;
  identity: Identity;
}

/** A refusal, ready to send: `status`, `headers`, and the JSON body `{ error: message, code }`. */
export interface AuthFailure {
  ok: false;
  status: 401 | 503;
  code: AuthErrorCode;
  /** A sentence for people; says nothing about the token beyond the code. */
  message: string;
  /**
   * `WWW-Authenticate` on 401s (RFC 6750 section 3: no error code when no token came,
   * `error="invalid_token"` for a bad or expired one), `Retry-After` (seconds) on the 503.
   */
  headers: Readonly<Record<string, string>>;
}

export type AuthResult = AuthSuccess | AuthFailure;

const invalidTokenChallenge = { 'WWW-Authenticate': 'Bearer error="invalid_token"' };

function failure(status: 401 | 503, code: AuthErrorCode, message: string, headers: Record<string, string>): AuthFailure {
  return Object.freeze({ ok: false, status, code, message, headers: Object.freeze(headers) });
}

/** The four answers, shared by every request (frozen: nobody can change them for the next one). */
export const FAILURES: Readonly<Record<AuthErrorCode, AuthFailure>> = Object.freeze({
  missing_token: failure(401, 'missing_token', 'Send the token as "Authorization: Bearer <JWT>".', { 'WWW-Authenticate': 'Bearer realm="auth-chatkit"' }),
  invalid_token: failure(401, 'invalid_token', 'The token is not valid for this server.', invalidTokenChallenge),
  token_expired: failure(401, 'token_expired', 'The token has expired.', invalidTokenChallenge),
  jwks_unavailable: failure(
    503,
    'jwks_unavailable',
    'The token cannot be checked right now: the key set is unavailable. Try again shortly.',
    { 'Retry-After': '5' },
  ),
});

/** The JSON body of a refusal: `{ error, code }`. */
export function failureBody(failure: AuthFailure): string {
  return JSON.stringify({ error: failure.message, code: failure.code });
}
