import type { PeerMessage, TokenPeers } from './cross-tab.js';
import { AuthChatKitError, isTransient, type AuthChatKitErrorCode } from './errors.js';
import {
  backoffDelay,
  defaultPolicy,
  lockedOutBackoffDelay,
  isUsable,
  maxTimeoutMs,
  requestTimeoutMs,
  signedOutProbeMs,
  timeToken,
  type RefreshPolicy,
  type TimedToken,
} from './token-timing.js';
import type { WakeReason, WakeSource } from './wake-ups.js';

/**
 * - `idle`: nobody subscribed
 * - `loading`: getting the first token
 * - `ready`: a fresh token is held
 * - `retrying`: the last attempt failed for a reason that may pass (network, 5xx); backing off, and
 *   still serving the held token while it is valid
 * - `signed-out`: no session (401/403); no retries until `refresh()` or a wake-up
 * - `error`: the server answered something unusable and no valid token is held; backing off
 */
export type TokenState = 'idle' | 'loading' | 'ready' | 'retrying' | 'signed-out' | 'error';

/** What subscribers see. Never the token itself. */
export interface TokenSnapshot {
  readonly state: TokenState;
  /** Local time (ms since the epoch, this device's clock) at which the held token expires. */
  readonly expiresAt?: number;
  /** The held token's `sub` claim: who is signed in (decoded, not verified). */
  readonly sub?: string;
  readonly error?: AuthChatKitError;
}

/**
 * Gets a fresh JWT: resolves the token, or `null` when there is no session. Rejects with an
 * AuthChatKitError for anything else; should stop when `signal` aborts. `rejected` is the token a
 * backend just refused, when that is why a new one is wanted.
 */
export type FetchToken = (context: { signal: AbortSignal; rejected?: string }) => Promise<string | null>;

/** The time seam: tests pass sinon's fake timers (the default reads the globals at call time). */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: handle => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface TokenSourceOptions {
  fetchToken: FetchToken;
  policy?: Partial<RefreshPolicy>;
  clock?: Clock;
  random?: () => number;
  /** Where wake-ups come from (default: none; the registry passes the page's). */
  wakeUps?: WakeSource | null;
  /** Other tabs sharing the refresh (default: none; the registry passes BroadcastChannel + Web Locks). */
  peers?: TokenPeers | null;
}

/**
 * The result of one refresh, as peers hear it too; `settled`: a peer's result was applied meanwhile,
 * or the source stopped, so nothing is left to apply.
 */
type Outcome = PeerMessage | { type: 'settled' };

const settled: Outcome = { type: 'settled' };

/**
 * Gets a JWT and keeps it fresh for its subscribers: refreshes ahead of expiry on a one-shot timer,
 * re-checks on wake-ups (timers sleep in background tabs), shares one request among concurrent
 * callers and one refresh among tabs, backs off on failures, and stops entirely when the last
 * subscriber leaves. Holds the token in memory only.
 */
export class TokenSource {
  readonly #policy: RefreshPolicy;
  readonly #fetchToken: FetchToken;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #wakeUps: WakeSource | null | undefined;
  readonly #peers: TokenPeers | null | undefined;
  readonly #listeners = new Set<(snapshot: TokenSnapshot) => void>();

  #token: TimedToken | undefined;
  /** Set while a refresh waits for another tab's announcement. */
  #peerWaiter: ((message?: PeerMessage) => void) | undefined;
  #state: TokenState = 'idle';
  #error: AuthChatKitError | undefined;
  #inflight: Promise<void> | undefined;
  /** Bumped on stop, so a refresh abandoned by a stop never clears a newer one. */
  #generation = 0;
  #request: AbortController | undefined;
  #timer: unknown;
  #dueAt = Number.POSITIVE_INFINITY;
  #failures = 0;
  #lastAttemptAt = Number.NEGATIVE_INFINITY;
  /** The token a backend refused, while the refresh it asked for runs. */
  #rejected: string | undefined;
  /** While anyone is subscribed: stops the wake-up and peer listeners. */
  #running: (() => void) | undefined;

  constructor(options: TokenSourceOptions) {
    this.#fetchToken = options.fetchToken;
    this.#policy = { ...defaultPolicy, ...options.policy };
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#wakeUps = options.wakeUps;
    this.#peers = options.peers;
  }

  get snapshot(): TokenSnapshot {
    return { state: this.#state, expiresAt: this.#token?.expiresAt, sub: this.#token?.sub, error: this.#error };
  }

  /** Calls `listener` now and on every change; the first subscriber starts the source, the last one's unsubscribe stops it. */
  subscribe(listener: (snapshot: TokenSnapshot) => void): () => void {
    this.#listeners.add(listener);
    if (this.#listeners.size === 1) this.#start();
    listener(this.snapshot);
    return () => {
      if (this.#listeners.delete(listener) && this.#listeners.size === 0) this.#stop();
    };
  }

  /**
   * A token valid for at least a few more seconds, refreshing first if the held one is too close to
   * expiry (or is `rejected`: the one a backend just refused). The refresh may bring the same token
   * back (Better Auth signs the same claims in the same second identically): it is handed out, for
   * the caller's one retry. Never an expired token: rejects with the reason instead.
   */
  async getToken({ rejected }: { rejected?: string } = {}): Promise<string> {
    let token = this.#usableToken(rejected);
    // While signed out, a request may look again only at the probe rate: no storm of 401s.
    if (!token && (this.#state !== 'signed-out' || this.#inflight || this.#mayProbe())) {
      if (rejected) this.#rejected = rejected;
      await this.#refresh();
      // The same token may come back from a refresh that worked, never from one that failed.
      token = this.#usableToken(this.#error ? rejected : undefined);
    }
    if (!token) throw this.#error ?? new AuthChatKitError('token-expired', 'No valid token.');
    this.#checkFreshness();
    return token.value;
  }

  /** Drops the token after the page signed out, and tells the other tabs. */
  signOut(): void {
    this.#request?.abort();
    this.#inflight = undefined;
    this.#generation++;
    this.#signOut();
    if (this.#running) this.#peers?.announce({ type: 'signed-out' });
  }

  /** Gets a new token now (after a sign-in, or on "Try again"), starting any backoff over. */
  refresh(): Promise<void> {
    this.#failures = 0;
    return this.#refresh();
  }

  #usableToken(rejected?: string): TimedToken | undefined {
    const token = this.#token;
    return isUsable(token, this.#clock.now()) && token.value !== rejected ? token : undefined;
  }

  /** While signed out, whether enough time passed since the last attempt to look again. */
  #mayProbe(): boolean {
    return this.#clock.now() - this.#lastAttemptAt >= signedOutProbeMs;
  }

  #start(): void {
    const stopWakeUps = this.#wakeUps?.(reason => this.#checkFreshness(reason));
    const stopPeers = this.#peers?.listen(message => this.#onPeerMessage(message));
    this.#running = () => {
      stopWakeUps?.();
      stopPeers?.();
    };
    const token = this.#usableToken();
    if (token && this.#clock.now() < token.refreshAt) {
      this.#setState('ready');
      this.#schedule(token.refreshAt);
    } else {
      void this.#refresh();
    }
  }

  #stop(): void {
    this.#running?.();
    this.#running = undefined;
    this.#request?.abort();
    this.#inflight = undefined;
    this.#generation++;
    this.#clearTimer();
    this.#peerWaiter?.();
    this.#state = 'idle';
  }

  /** Single flight: every caller during a refresh shares it. */
  #refresh(): Promise<void> {
    if (this.#inflight) return this.#inflight;
    this.#clearTimer();
    const generation = this.#generation;
    this.#lastAttemptAt = this.#clock.now();
    this.#inflight = this.#obtain()
      .then(outcome => {
        if (generation === this.#generation) this.#apply(outcome);
      })
      .finally(() => {
        if (generation !== this.#generation) return;
        this.#inflight = undefined;
        this.#rejected = undefined;
      });
    if (this.#state === 'idle' || this.#state === 'error') this.#setState('loading');
    return this.#inflight;
  }

  /**
   * Fetches here, or, while another tab holds the refresh lock, waits for its announcement (its
   * token is adopted on arrival). If that tab goes quiet (closed, stuck), fetches here after all.
   * The waiter is set before the lock is asked for: the answer may arrive first. The first token
   * skips the lock: peers announce refreshes, they do not answer a newcomer, and asking for a lock
   * costs a round trip to the browser process (10 to 40 ms measured) on the way to ready. A first
   * token is still announced, so a sign-in in this tab makes the others ready; a first failure or
   * sign-out is not (it may be older news than a peer's sign-in).
   */
  async #obtain(): Promise<Outcome> {
    const peers = this.#running ? this.#peers : undefined;
    if (!peers || !this.#token) return this.#fetchHere(peers ?? undefined, true);
    const before = this.#token;
    const heard = this.#nextPeerMessage();
    const fetchUnlessAdopted = async () => (this.#token === before ? this.#fetchHere(peers) : settled);
    let outcome: Outcome | undefined;
    try {
      outcome = await peers.ifIdle(fetchUnlessAdopted);
    } catch {
      outcome = await fetchUnlessAdopted(); // locks refused (e.g. an opaque origin): work alone
    }
    if (outcome) {
      this.#peerWaiter?.();
      return outcome;
    }
    return (await heard) ?? (this.#running ? this.#fetchHere() : settled);
  }

  /** The next peer announcement: `failed` is taken as ours; a token or sign-out was already applied. */
  #nextPeerMessage(): Promise<Outcome | undefined> {
    return new Promise(resolve => {
      const done = (message?: PeerMessage) => {
        this.#clock.clearTimeout(timeout);
        this.#peerWaiter = undefined;
        resolve(message && (message.type === 'failed' ? message : settled));
      };
      const timeout = this.#clock.setTimeout(done, requestTimeoutMs + 1_000);
      this.#peerWaiter = done;
    });
  }

  async #fetchHere(peers?: TokenPeers, tokensOnly = false): Promise<Outcome> {
    const request = new AbortController();
    this.#request = request;
    const timeout = this.#clock.setTimeout(
      () => request.abort(new AuthChatKitError('network', 'The sign-in server timed out.')),
      requestTimeoutMs,
    );
    request.signal.addEventListener('abort', () => this.#clock.clearTimeout(timeout));
    const requestedAt = this.#clock.now();
    let outcome: PeerMessage;
    try {
      const value = await untilAborted(this.#fetchToken({ signal: request.signal, rejected: this.#rejected }), request.signal);
      outcome =
        value === null
          ? { type: 'signed-out' }
          : { type: 'token', token: timeToken(value, requestedAt, this.#clock.now(), this.#policy) };
    } catch (error) {
      // Aborted by a stop: nothing to report. Aborted by the timeout: the reason is the error.
      if (request.signal.aborted && !(error instanceof AuthChatKitError)) return settled;
      const { code, message } = asAuthError(error);
      outcome = { type: 'failed', code, message };
    } finally {
      this.#clock.clearTimeout(timeout);
    }
    if (!tokensOnly || outcome.type === 'token') peers?.announce(outcome);
    return outcome;
  }

  #apply(outcome: Outcome): void {
    if (outcome.type === 'token') this.#adopt(outcome.token);
    else if (outcome.type === 'signed-out') this.#signOut();
    else if (outcome.type === 'failed') {
      const error = new AuthChatKitError(outcome.code as AuthChatKitErrorCode, outcome.message);
      this.#error = error;
      const holding = this.#usableToken();
      const transient = isTransient(error.code);
      // Locked out by an outage: short waits, so the user is back soon after the server is.
      const delay = (transient && !holding ? lockedOutBackoffDelay : backoffDelay)(this.#failures++, this.#random);
      this.#schedule(this.#clock.now() + delay);
      this.#setState(transient || holding ? 'retrying' : 'error', true);
    }
  }

  #adopt(token: TimedToken): void {
    this.#token = token;
    this.#error = undefined;
    this.#failures = 0;
    this.#schedule(token.refreshAt);
    this.#setState('ready', true);
  }

  #signOut(): void {
    this.#token = undefined;
    this.#error = new AuthChatKitError('unauthorized', 'Not signed in.');
    this.#clearTimer();
    this.#setState('signed-out', true);
  }

  #onPeerMessage(message: PeerMessage): void {
    if (message.type === 'token') {
      if (message.token.expiresAt > (this.#token?.expiresAt ?? 0)) this.#adopt(message.token);
    } else if (message.type === 'signed-out') {
      this.#signOut();
    }
    this.#peerWaiter?.(message);
  }

  /** Refreshes when due: called by the timer, on wake-ups and whenever a token is handed out. */
  #checkFreshness(reason?: WakeReason): void {
    if (!this.#running || this.#inflight) return;
    // The host app's Better Auth client says the session changed (another tab signed in or out).
    if (reason === 'session') return void this.refresh();
    if (this.#state === 'signed-out') {
      // The user may have signed in elsewhere: look again when they come back, at a bounded rate.
      if ((reason === 'visible' || reason === 'focus') && this.#mayProbe()) void this.#refresh();
      return;
    }
    // Locked out by an outage: any sign of life is worth a try at once.
    const lockedOut = reason && this.#state === 'retrying' && !this.#usableToken();
    const backOnline = reason === 'online' && this.#state !== 'ready';
    if (this.#clock.now() >= this.#dueAt || backOnline || lockedOut) void this.#refresh();
    else if (this.#timer === undefined) this.#schedule(this.#dueAt);
  }

  #schedule(at: number): void {
    this.#clearTimer();
    if (!this.#running) return;
    this.#dueAt = at;
    // Clamped to setTimeout's range (longer delays fire at once): an early wake-up checks and re-arms.
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#checkFreshness();
    }, Math.min(at - this.#clock.now(), maxTimeoutMs));
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#dueAt = Number.POSITIVE_INFINITY;
  }

  #setState(state: TokenState, changed = false): void {
    if (state === this.#state && !changed) return;
    this.#state = state;
    const snapshot = this.snapshot;
    for (const listener of this.#listeners) listener(snapshot);
  }
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    promise.then(resolve, reject);
  });
}

function asAuthError(error: unknown): AuthChatKitError {
  return error instanceof AuthChatKitError
    ? error
    : new AuthChatKitError('network', 'Could not reach the sign-in server.', { cause: error });
}
