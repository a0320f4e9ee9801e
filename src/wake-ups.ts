/**
 * Moments when a timer may have been missed or the session may have changed. Background tabs
 * throttle or freeze timers, so the TokenSource re-checks freshness on each.
 * - `visible` / `focus`: the user is back
 * - `online`: the network is back
 */
export type WakeReason = 'visible' | 'focus' | 'online';

/** Starts calling `onWake`; the returned function stops. */
export type WakeSource = (onWake: (reason: WakeReason) => void) => () => void;

export const pageWakeUps =
  (win: Window = window): WakeSource =>
  onWake => {
    const controller = new AbortController();
    const on = (target: EventTarget, type: string, reason: WakeReason, when = () => true) =>
      target.addEventListener(type, () => when() && onWake(reason), { signal: controller.signal });
    on(win.document, 'visibilitychange', 'visible', () => win.document.visibilityState === 'visible');
    on(win, 'focus', 'focus');
    on(win, 'online', 'online');
    return () => controller.abort();
  };
