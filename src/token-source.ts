import type { PeerMessage, TokenPeers } from './cross-tab.js';
import { AuthChatKitError, isTransient } from './errors.js';
import {
  backoffDelay,
  clampDelay,
  defaultPolicy,
  isUsable,
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
  readonly error?: AuthChatKitError;
}

/**
 * Gets a fresh JWT: resolves the token, or `null` when there is no session. Rejects with an
 * AuthChatKitError for anything else; should stop when `signal` aborts.
 */
export type FetchToken = (signal: AbortSignal) => Promise<string | null>;

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

type Outcome =
  | { kind: 'token'; token: TimedToken }
  | { kind: 'signed-out' }
  | { kind: 'failed'; error: AuthChatKitError }
  /** A peer's result was applied meanwhile, or the source stopped: nothing left to apply. */
  | { kind: 'settled' };

type Announced = Exclude<Outcome, { kind: 'settled' }>;

const sessionChangeFloorMs = 2_000;

/**
 * Gets a JWT and keeps it fresh for its subscribers: refreshes ahead of expiry on a one-shot timer,
 * re-checks on wake-ups (timers sleep in background tabs), shares one request among concurrent
 * callers and one refresh among tabs, backs off on failures, and stops entirely when the last
 * subscriber leaves. Holds the token in memory only.
 */
export class TokenSource {
  readonly policy: RefreshPolicy;
  readonly #fetchToken: FetchToken;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #wakeUps: WakeSource | null;
  readonly #peers: TokenPeers | null;
  readonly #listeners = new Set<(snapshot: TokenSnapshot) => void>();
  readonly #peerWaiters = new Set<(message: PeerMessage | null) => void>();

  #token: TimedToken | undefined;
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
  /** Aborted when the last subscriber leaves; undefined while idle. */
  #running: AbortController | undefined;

  constructor(options: TokenSourceOptions) {
    this.#fetchToken = options.fetchToken;
    this.policy = { ...defaultPolicy, ...options.policy };
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#wakeUps = options.wakeUps ?? null;
    this.#peers = options.peers ?? null;
  }

  get snapshot(): TokenSnapshot {
    return { state: this.#state, expiresAt: this.#token?.expiresAt, error: this.#error };
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
   * expiry (or is `rejected`: the one a backend just refused). Never an expired token: rejects with
   * the reason instead.
   */
  async getToken({ rejected }: { rejected?: string } = {}): Promise<string> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const token = this.#usableToken(rejected);
      if (token) {
        this.#checkFreshness();
        return token.value;
      }
      if (this.#state === 'signed-out' && !this.#inflight && !this.#mayProbe(this.policy.signedOutProbeMs)) break;
      await this.#refresh();
    }
    const token = this.#usableToken(rejected);
    if (token) return token.value;
    throw this.#error ?? new AuthChatKitError('token-expired', 'No valid token is available.');
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

  #mayProbe(floorMs: number): boolean {
    return this.#clock.now() - this.#lastAttemptAt >= floorMs;
  }

  #start(): void {
    const running = new AbortController();
    this.#running = running;
    const stopWakeUps = this.#wakeUps?.(reason => this.#checkFreshness(reason));
    const stopPeers = this.#peers?.listen(message => this.#onPeerMessage(message));
    running.signal.addEventListener('abort', () => {
      stopWakeUps?.();
      stopPeers?.();
    });
    const token = this.#usableToken();
    if (token && this.#clock.now() < token.refreshAt) {
      this.#setState('ready');
      this.#schedule(token.refreshAt);
    } else {
      void this.#refresh();
    }
  }

  #stop(): void {
    this.#running?.abort();
    this.#running = undefined;
    this.#request?.abort();
    this.#inflight = undefined;
    this.#generation++;
    this.#clearTimer();
    for (const resolve of this.#peerWaiters) resolve(null);
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
        if (generation === this.#generation) this.#inflight = undefined;
      });
    if (this.#state === 'idle' || this.#state === 'error') this.#setState('loading');
    return this.#inflight;
  }

  /** Fetches here, or lets the tab that holds the refresh lock do it and adopts its answer. */
  async #obtain(): Promise<Outcome> {
    const peers = this.#peers;
    const running = this.#running;
    if (!peers || !running) return this.#fetchHere(false);
    const before = this.#token;
    try {
      const attempt = await peers.ifIdle(() => this.#fetchHere(true));
      if (attempt.ran) return attempt.value;
      const message = await this.#nextPeerMessage();
      if (message?.type === 'failed') return { kind: 'failed', error: new AuthChatKitError(message.code, message.message) };
      if (message || !this.#running) return { kind: 'settled' };
      // The refreshing tab went quiet (closed, or stuck): take the lock in turn.
      return await peers.exclusive(
        async () => (this.#token !== before && this.#usableToken() ? { kind: 'settled' } : this.#fetchHere(true)),
        running.signal,
      );
    } catch {
      if (!this.#running) return { kind: 'settled' };
      // Locks refused (e.g. an opaque origin): work alone.
      return this.#fetchHere(false);
    }
  }

  #nextPeerMessage(): Promise<PeerMessage | null> {
    return new Promise(resolve => {
      const done = (message: PeerMessage | null) => {
        this.#clock.clearTimeout(timeout);
        this.#peerWaiters.delete(done);
        resolve(message);
      };
      const timeout = this.#clock.setTimeout(() => done(null), this.policy.requestTimeoutMs + 1_000);
      this.#peerWaiters.add(done);
    });
  }

  async #fetchHere(announce: boolean): Promise<Outcome> {
    const request = new AbortController();
    this.#request = request;
    const timeout = this.#clock.setTimeout(
      () => request.abort(new AuthChatKitError('network', 'The sign-in server did not answer in time.')),
      this.policy.requestTimeoutMs,
    );
    request.signal.addEventListener('abort', () => this.#clock.clearTimeout(timeout));
    const requestedAt = this.#clock.now();
    let outcome: Announced;
    try {
      const value = await untilAborted(this.#fetchToken(request.signal), request.signal);
      outcome =
        value === null
          ? { kind: 'signed-out' }
          : { kind: 'token', token: timeToken(value, requestedAt, this.#clock.now(), this.policy) };
    } catch (error) {
      const reason: unknown = request.signal.reason;
      if (request.signal.aborted && !(reason instanceof AuthChatKitError)) return { kind: 'settled' };
      outcome = { kind: 'failed', error: asAuthError(request.signal.aborted ? reason : error) };
    } finally {
      this.#clock.clearTimeout(timeout);
      if (this.#request === request) this.#request = undefined;
    }
    if (announce) this.#peers?.announce(toPeerMessage(outcome));
    return outcome;
  }

  #apply(outcome: Outcome): void {
    switch (outcome.kind) {
      case 'token':
        this.#adopt(outcome.token);
        return;
      case 'signed-out':
        this.#signOut();
        return;
      case 'failed': {
        const { error } = outcome;
        this.#error = error;
        const delay = backoffDelay(this.#failures++, this.#random, this.policy);
        this.#schedule(this.#clock.now() + delay);
        this.#setState(isTransient(error.code) || this.#usableToken() ? 'retrying' : 'error', true);
        return;
      }
      case 'settled':
        return;
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
    this.#error = new AuthChatKitError('unauthorized', 'Not signed in: the sign-in server has no session for this browser.');
    this.#clearTimer();
    this.#setState('signed-out', true);
  }

  #onPeerMessage(message: PeerMessage): void {
    if (message.type === 'token') {
      const { type: _type, ...token } = message;
      if (!this.#token || token.expiresAt > this.#token.expiresAt) this.#adopt(token);
    } else if (message.type === 'signed-out') {
      this.#signOut();
    }
    for (const resolve of this.#peerWaiters) resolve(message);
  }

  /** Refreshes when due: called by the timer, on wake-ups and whenever a token is handed out. */
  #checkFreshness(reason?: WakeReason): void {
    if (!this.#running || this.#inflight) return;
    if (this.#state === 'signed-out') {
      const probes = reason === 'visible' || reason === 'focus' || reason === 'session-change';
      if (probes && this.#mayProbe(this.policy.signedOutProbeMs)) void this.#refresh();
      return;
    }
    const now = this.#clock.now();
    const sessionChanged = reason === 'session-change' && this.#mayProbe(sessionChangeFloorMs);
    const backOnline = reason === 'online' && this.#state !== 'ready';
    if (now >= this.#dueAt || sessionChanged || backOnline) void this.#refresh();
    else if (this.#timer === undefined) this.#schedule(this.#dueAt);
  }

  #schedule(at: number): void {
    this.#clearTimer();
    if (!this.#running) return;
    this.#dueAt = at;
    // The delay is clamped to setTimeout's range: an early wake-up just checks and re-arms.
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#checkFreshness();
    }, clampDelay(at - this.#clock.now()));
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
    : new AuthChatKitError('network', 'Could not get a token from the sign-in server.', { cause: error });
}

function toPeerMessage(outcome: Announced): PeerMessage {
  switch (outcome.kind) {
    case 'token':
      return { type: 'token', ...outcome.token };
    case 'signed-out':
      return { type: 'signed-out' };
    case 'failed':
      return { type: 'failed', code: outcome.error.code, message: outcome.error.message };
  }
}
