import { AuthChatKitError } from './errors.js';

/** When to refresh; durations in milliseconds. */
export interface RefreshPolicy {
  /** Refresh once this share of the token's lifetime has passed. */
  refreshRatio: number;
  /** ...and never later than this long before expiry, when the lifetime allows. */
  leewayMs: number;
  /** A token is handed out only while it stays valid at least this long (capped at a quarter of its lifetime). */
  minValidityMs: number;
}

export const defaultPolicy: RefreshPolicy = { refreshRatio: 0.8, leewayMs: 60_000, minValidityMs: 5_000 };

/**
 * Backoff after failures: full jitter over `1 s * 2^attempt`, capped at a minute while a valid token
 * is still served, at 3 s while an outage locks the user out (nothing usable held).
 */
const backoffBaseMs = 1_000;
const backoffCapMs = 60_000;
const lockedOutCapMs = 3_000;
/** While signed out, a wake-up (focus, visible) or a chat request looks again at most this often. */
export const signedOutProbeMs = 10_000;
/** A token request that takes longer is abandoned and counts as a network failure. */
export const requestTimeoutMs = 15_000;

/** setTimeout treats delays above 2^31-1 ms as 0: never schedule beyond that. */
export const maxTimeoutMs = 2 ** 31 - 1;

/** A token with its deadlines in LOCAL time (this device's clock, whatever its offset). */
export interface TimedToken {
  readonly value: string;
  readonly expiresAt: number;
  readonly refreshAt: number;
  /** Shortest remaining validity worth handing out for this token. */
  readonly minValidityMs: number;
}

/**
 * Reads a JWT's claims (decoded, NOT verified: verification is the chat backend's job) and places
 * its deadlines on the local clock. Expiry is `requestedAt + (exp - iat)`: the moment the request
 * started plus the lifetime the server granted, so a device clock minutes off changes nothing.
 * `iat` is whole seconds, so the token may have been issued up to a second "earlier" than its
 * `iat` suggests relative to our start: one second is taken off. Without `iat`, `exp` is read
 * against the local clock (the only choice left).
 */
export function timeToken(value: string, requestedAt: number, now: number, policy: RefreshPolicy): TimedToken {
  const { exp, iat } = decodeClaims(value);
  // Parsed JSON: a number is finite.
  if (typeof exp !== 'number') {
    throw new AuthChatKitError('token-without-expiry', 'The token has no exp claim.');
  }
  // iat is whole seconds: a lifetime of 2 s or less may be over before it arrives.
  if (typeof iat === 'number' && exp - iat <= 2) {
    throw new AuthChatKitError('token-expired', `The token's lifetime (${exp - iat} s) is too short to use.`);
  }
  const expiresAt =
    typeof iat === 'number' ? requestedAt + (exp - iat) * 1000 - 1000 : exp * 1000;
  const lifetime = expiresAt - requestedAt;
  const minValidityMs = Math.min(policy.minValidityMs, lifetime / 4);
  if (expiresAt - now <= minValidityMs) {
    throw new AuthChatKitError('token-expired', 'The token arrived expired.');
  }
  const byRatio = lifetime * policy.refreshRatio;
  const refreshAfter = lifetime > policy.leewayMs ? Math.min(byRatio, lifetime - policy.leewayMs) : byRatio;
  return { value, expiresAt, refreshAt: requestedAt + refreshAfter, minValidityMs };
}

/** Whether the token can still be sent at `now`: valid for at least its minimum validity. */
export const isUsable = (token: TimedToken | undefined, now: number): token is TimedToken =>
  token !== undefined && token.expiresAt - now > token.minValidityMs;

/** Delay before retry number `attempt` (0-based): full jitter, exponential, capped. */
export function backoffDelay(attempt: number, random: () => number, cap = backoffCapMs): number {
  const ceiling = Math.min(cap, backoffBaseMs * 2 ** attempt);
  return Math.max(100, random() * ceiling);
}

/** The same while an outage locks the user out: at most 3 s, whatever the draw. */
export const lockedOutBackoffDelay = (attempt: number, random: () => number): number =>
  backoffDelay(attempt, random, lockedOutCapMs);

/**
 * A JWT's claims, decoded and NOT verified (verification is the chat backend's job): the checks of
 * jose's `decodeJwt` (three segments, a base64url payload, a JSON object), in a fraction of its
 * bytes, which the script-tag budget needs. test/browser/token-timing.test.ts holds it to jose's
 * verdicts.
 */
export function decodeClaims(token: string): { exp?: unknown; iat?: unknown } {
  const [, payload = '', ...rest] = token.split('.');
  let claims: unknown;
  try {
    const bytes = Uint8Array.from(atob(payload.replace(/-/g, '+').replace(/_/g, '/')), c => c.charCodeAt(0));
    claims = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new AuthChatKitError('malformed-token', 'The token is not a JWT.', { cause });
  }
  // Three segments, a base64url payload (no +, / or =), a JSON object.
  if (rest.length !== 1 || !/^[\w-]+$/.test(payload) || claims?.constructor !== Object) {
    throw new AuthChatKitError('malformed-token', 'The token is not a JWT.');
  }
  return claims as { exp?: unknown; iat?: unknown };
}
