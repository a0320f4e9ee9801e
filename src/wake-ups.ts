/**
 * Moments when a timer may have been missed or the session may have changed. Background tabs
 * throttle or freeze timers, so the TokenSource re-checks freshness on each.
 * - `visible` / `focus`: the user is back
 * - `online`: the network is back
 * - `session`: the host app's Better Auth client announced a session change from another tab
 *   (it writes the localStorage key `better-auth.message` on sign-out and user updates)
 */
export type WakeReason = 'visible' | 'focus' | 'online' | 'session';

/** The localStorage key Better Auth's client (`better-auth/client`) writes to tell other tabs. */
export const betterAuthMessageKey = 'better-auth.message';

/** Starts calling `onWake`; the returned function stops. */
export type WakeSource = (onWake: (reason: WakeReason) => void) => () => void;

export const pageWakeUps =
  (win: Window = window): WakeSource =>
  onWake => {
    const controller = new AbortController();
    const on = (target: EventTarget, type: string, reason: WakeReason, when = (_event: Event) => true) =>
      target.addEventListener(type, event => when(event) && onWake(reason), { signal: controller.signal });
    on(win.document, 'visibilitychange', 'visible', () => win.document.visibilityState === 'visible');
    on(win, 'focus', 'focus');
    on(win, 'online', 'online');
    on(win, 'storage', 'session', event => (event as StorageEvent).key === betterAuthMessageKey);
    return () => controller.abort();
  };
