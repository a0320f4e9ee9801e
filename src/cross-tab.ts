import type { TimedToken } from './token-timing.js';

/** What one tab tells the others after a refresh. Same-origin, in memory only. */
export type PeerMessage =
  | { type: 'token'; token: TimedToken }
  | { type: 'signed-out' }
  | { type: 'failed'; code: string; message: string };

/**
 * Same-origin tabs (and frames) sharing one refresh: the tab that gets the lock fetches and
 * announces the result; the others adopt it.
 */
export interface TokenPeers {
  /** Runs `work` holding the lock, unless another tab holds it: then resolves `undefined` at once. */
  ifIdle<T>(work: () => Promise<T>): Promise<T | undefined>;
  announce(message: PeerMessage): void;
  /** Starts listening; the returned function stops. */
  listen(onMessage: (message: PeerMessage) => void): () => void;
}

/** Peers through BroadcastChannel and Web Locks, or `null` where the browser lacks either. */
export function browserPeers(name: string): TokenPeers | null {
  const locks = globalThis.navigator?.locks;
  if (typeof BroadcastChannel !== 'function' || !locks) return null;
  name = `auth-chatkit:${name}`;
  let channel: BroadcastChannel | undefined;
  return {
    ifIdle: async work => locks.request(name, { ifAvailable: true }, async lock => (lock ? work() : undefined)),
    announce: message => channel?.postMessage(message),
    listen(onMessage) {
      const current = (channel = new BroadcastChannel(name));
      current.onmessage = event => onMessage(event.data as PeerMessage);
      return () => {
        current.close();
        channel = undefined;
      };
    },
  };
}
