// Why a token was refused, for the server's log: jose's errors sorted into a closed set of reasons,
// with a one-line detail that quotes what the token said (issuer, audience, kid, alg, exp) next to
// what was expected. Never the token itself; token-controlled text is JSON-quoted and cut short, so it
// cannot forge log lines.
import { decodeProtectedHeader } from 'jose';
import type { AuthErrorCode } from './result.js';

/**
 * - `missing_token`: no bearer token in the request
 * - `malformed`: not a compact JWS with a JSON claims set
 * - `algorithm`: an `alg` other than the pinned ones (`none`, `HS256`, ...)
 * - `unknown_kid`: no key in the JWKS for the token's `kid` (after the one allowed reload)
 * - `signature`: the signature does not match (tampered, or signed with another key)
 * - `issuer`, `audience`: the `iss` / `aud` claim is not the pinned one
 * - `expired`: `exp` is past, beyond the clock tolerance
 * - `not_yet_valid`: `nbf` is in the future, beyond the clock tolerance
 * - `claims`: a required claim is missing or of the wrong type (`sub`, `exp`)
 * - `jwks_unavailable`: the JWKS could not be fetched (network, timeout, not a key set)
 */
export type RejectionReason =
  | 'missing_token'
  | 'malformed'
  | 'algorithm'
  | 'unknown_kid'
  | 'signature'
  | 'issuer'
  | 'audience'
  | 'expired'
  | 'not_yet_valid'
  | 'claims'
  | 'jwks_unavailable';

/** Where a refused request went, for the log line (the path only: a query string may hold secrets). */
export interface RequestLabel {
  method: string;
  path: string;
}

/** A refused token, as given to `onRejected`. Safe to log; never send it to the caller. */
export interface Rejection {
  status: 401 | 503;
  code: AuthErrorCode;
  reason: RejectionReason;
  /** One line, e.g. `"aud" is "https://a.example", expected "https://b.example"`. */
  detail: string;
  /** Set when the caller passed one (the adapters do). */
  request?: RequestLabel;
}

export type RejectionWithoutRequest = Omit<Rejection, 'request'>;

/** The JWKS could not be had: the verifier's wrapper turns jose's fetch failures into this. */
export class JwksUnavailable extends Error {
  override name = 'JwksUnavailable';
}

/** Claims jose let through that the verifier requires more of (a non-empty string `sub`). */
export class InvalidClaims extends Error {
  override name = 'InvalidClaims';
}

/** What `describeRejection` compares the token's claims against. */
export interface Expected {
  issuer: string | string[];
  audience: string | string[];
  algorithms: string[];
  jwksUrl: string;
}

/** A value from the token (or the config), JSON-quoted and cut to a readable length. */
function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

/** An error as one line, name and message, without a stack. */
function oneLine(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return (text.split('\n')[0] ?? '').slice(0, 300);
}

function headerOf(token: string): Record<string, unknown> {
  try {
    return decodeProtectedHeader(token);
  } catch {
    return {};
  }
}

const isoSeconds = (seconds: unknown) => (typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : quote(seconds));

/**
 * Sorts a verification error: `JwksUnavailable` (503), jose's codes
 * (https://github.com/panva/jose/blob/main/docs/util/errors/README.md), `InvalidClaims`; anything
 * else is the token's fault too (401 malformed): no token input may become a 500.
 */
export function describeRejection(error: unknown, token: string, expected: Expected): RejectionWithoutRequest {
  const invalid = (reason: RejectionReason, detail: string): RejectionWithoutRequest => ({ status: 401, code: 'invalid_token', reason, detail });
  if (error instanceof JwksUnavailable) {
    return { status: 503, code: 'jwks_unavailable', reason: 'jwks_unavailable', detail: `the JWKS at ${expected.jwksUrl} could not be fetched: ${oneLine(error.cause)}` };
  }
  if (error instanceof InvalidClaims) return invalid('claims', error.message);
  const { code, claim, reason, payload } = error as { code?: string; claim?: string; reason?: string; payload?: Record<string, unknown> };
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return { status: 401, code: 'token_expired', reason: 'expired', detail: `"exp" is ${isoSeconds(payload?.exp)}, past` };
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (reason === 'missing' || reason === 'invalid') return invalid('claims', oneLine((error as Error).message));
      if (claim === 'iss') return invalid('issuer', `"iss" is ${quote(payload?.iss)}, expected ${quote(expected.issuer)}`);
      if (claim === 'aud') return invalid('audience', `"aud" is ${quote(payload?.aud)}, expected ${quote(expected.audience)}`);
      if (claim === 'nbf') return invalid('not_yet_valid', `"nbf" is ${isoSeconds(payload?.nbf)}, in the future`);
      return invalid('claims', oneLine((error as Error).message));
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return invalid('algorithm', `"alg" is ${quote(headerOf(token).alg)}, expected ${quote(expected.algorithms)}`);
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return invalid('unknown_kid', `no single key in the JWKS for "kid" ${quote(headerOf(token).kid)}`);
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return invalid('signature', `the signature does not match the key for "kid" ${quote(headerOf(token).kid)}`);
    default:
      return invalid('malformed', oneLine(error));
  }
}
