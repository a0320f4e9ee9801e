import type { AuthChatKitErrorCode } from './errors.js';

/** What one tab tells the others about the token they share. Same-origin, in memory only. */
export type PeerMessage =
  | { type: 'token'; value: string; expiresAt: number; refreshAt: number; minValidityMs: number }
  | { type: 'signed-out' }
  | { type: 'failed'; code: AuthChatKitErrorCode; message: string };

/**
 * Same-origin tabs (and frames) sharing one refresh: the tab that takes the lock fetches and
 * announces the result; the others adopt it.
 */
export interface TokenPeers {
  /** Runs `work` if no other tab is refreshing right now; `{ ran: false }` if one is. */
  ifIdle<T>(work: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }>;
  /** Waits for the lock (a peer's refresh to end), then runs `work`. */
  exclusive<T>(work: () => Promise<T>, signal: AbortSignal): Promise<T>;
  announce(message: PeerMessage): void;
  /** Starts listening; the returned function stops. */
  listen(onMessage: (message: PeerMessage) => void): () => void;
}

/** Peers through BroadcastChannel and Web Locks, or `null` where the browser lacks either. */
export function browserPeers(name: string): TokenPeers | null {
  const locks = globalThis.navigator?.locks;
  if (typeof BroadcastChannel !== 'function' || !locks) return null;
  const lockName = `auth-chatkit:${name}`;
  let channel: BroadcastChannel | undefined;
  return {
    async ifIdle(work) {
      return locks.request(lockName, { ifAvailable: true }, async lock =>
        lock ? { ran: true as const, value: await work() } : { ran: false as const },
      );
    },
    async exclusive(work, signal) {
      return await locks.request(lockName, { signal }, work);
    },
    announce(message) {
      channel?.postMessage(message);
    },
    listen(onMessage) {
      channel = new BroadcastChannel(lockName);
      const current = channel;
      current.onmessage = event => onMessage(event.data as PeerMessage);
      return () => {
        current.close();
        if (channel === current) channel = undefined;
      };
    },
  };
}
