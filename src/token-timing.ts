import { decodeJwt } from 'jose';
import { AuthChatKitError } from './errors.js';

/** When to refresh, retry and give up; every duration in milliseconds. */
export interface RefreshPolicy {
  /** Refresh once this share of the token's lifetime has passed. */
  refreshRatio: number;
  /** ...and never later than this long before expiry, when the lifetime allows. */
  leewayMs: number;
  /** A token is handed out only while it stays valid at least this long (capped at a quarter of its lifetime). */
  minValidityMs: number;
  /** Backoff after failures: full jitter over `baseMs * 2^attempt`, capped. */
  backoffBaseMs: number;
  backoffCapMs: number;
  /** While signed out, a wake-up (focus, visible, another tab's sign-in) probes at most this often. */
  signedOutProbeMs: number;
  /** A token request that takes longer than this is abandoned and counts as a network failure. */
  requestTimeoutMs: number;
}

export const defaultPolicy: RefreshPolicy = {
  refreshRatio: 0.8,
  leewayMs: 60_000,
  minValidityMs: 5_000,
  backoffBaseMs: 1_000,
  backoffCapMs: 60_000,
  signedOutProbeMs: 10_000,
  requestTimeoutMs: 15_000,
};

/** setTimeout treats delays above 2^31-1 ms as 0: never schedule beyond that. */
export const maxTimeoutMs = 2 ** 31 - 1;

export const clampDelay = (ms: number): number => Math.min(Math.max(0, Math.ceil(ms)), maxTimeoutMs);

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
  let claims: ReturnType<typeof decodeJwt>;
  try {
    claims = decodeJwt(value);
  } catch (cause) {
    throw new AuthChatKitError('malformed-token', 'The sign-in server answered with a token that is not a JWT.', { cause });
  }
  const { exp, iat } = claims;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) {
    throw new AuthChatKitError('token-without-expiry', 'The token has no expiry (`exp` claim); refusing to use it.');
  }
  const expiresAt =
    typeof iat === 'number' && Number.isFinite(iat) ? requestedAt + (exp - iat) * 1000 - 1000 : exp * 1000;
  const lifetime = expiresAt - requestedAt;
  const minValidityMs = Math.min(policy.minValidityMs, lifetime / 4);
  if (expiresAt - now <= minValidityMs) {
    throw new AuthChatKitError('token-expired', 'The sign-in server issued a token that is already expired or about to.');
  }
  const byRatio = lifetime * policy.refreshRatio;
  const refreshAfter = lifetime > policy.leewayMs ? Math.min(byRatio, lifetime - policy.leewayMs) : byRatio;
  return { value, expiresAt, refreshAt: requestedAt + refreshAfter, minValidityMs };
}

/** Whether the token can still be sent at `now`: valid for at least its minimum validity. */
export const isUsable = (token: TimedToken | undefined, now: number): token is TimedToken =>
  token !== undefined && token.expiresAt - now > token.minValidityMs;

/** Delay before retry number `attempt` (0-based): full jitter, exponential, capped. */
export function backoffDelay(attempt: number, random: () => number, policy: RefreshPolicy): number {
  const ceiling = Math.min(policy.backoffCapMs, policy.backoffBaseMs * 2 ** attempt);
  return Math.max(100, Math.round(random() * ceiling));
}
