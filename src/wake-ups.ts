/**
 * Moments when a timer may have been missed or the session may have changed. Background tabs
 * throttle or freeze timers, so the TokenSource re-checks freshness on each.
 * - `visible` / `focus`: the user is back
 * - `online`: the network is back
 * - `session-change`: Better Auth's client in another tab signed out or updated the session
 *   (it tells other tabs through a `storage` event; we only read the event, never storage)
 */
export type WakeReason = 'visible' | 'focus' | 'online' | 'session-change';

/** Starts calling `onWake`; the returned function stops. */
export type WakeSource = (onWake: (reason: WakeReason) => void) => () => void;

const betterAuthMessageKey = 'better-auth.message';

export function pageWakeUps(win: Window = window): WakeSource {
  return onWake => {
    const controller = new AbortController();
    const { signal } = controller;
    win.document.addEventListener(
      'visibilitychange',
      () => {
        if (win.document.visibilityState === 'visible') onWake('visible');
      },
      { signal },
    );
    win.addEventListener('focus', () => onWake('focus'), { signal });
    win.addEventListener('online', () => onWake('online'), { signal });
    win.addEventListener(
      'storage',
      event => {
        if (event.key === betterAuthMessageKey) onWake('session-change');
      },
      { signal },
    );
    return () => controller.abort();
  };
}
