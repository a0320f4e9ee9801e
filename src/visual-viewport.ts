import { browser } from './browser.js';

/**
 * Keeps `panel` (full screen, `position: fixed`) over the visual viewport: its top at the visual
 * viewport's `offsetTop` and its height the visual viewport's, in CSS px, as they change. A phone's
 * on-screen keyboard shrinks only the visual viewport (iOS Safari), so a panel of the layout
 * viewport's height would have its top (the close button, ChatKit's header) pushed off screen while
 * typing. Sets the custom properties `--_vv-top` and `--_vv-height` the styles read; the returned
 * function stops and removes them. Without `visualViewport` it does nothing.
 */
export function followVisualViewport(panel: HTMLElement): () => void {
  const viewport = browser.visualViewport();
  if (!viewport) return () => {};
  const follow = () => {
    panel.style.setProperty('--_vv-top', `${viewport.offsetTop}px`);
    panel.style.setProperty('--_vv-height', `${viewport.height}px`);
  };
  const listening = new AbortController();
  for (const type of ['resize', 'scroll']) viewport.addEventListener(type, follow, { signal: listening.signal });
  follow();
  return () => {
    listening.abort();
    panel.style.removeProperty('--_vv-top');
    panel.style.removeProperty('--_vv-height');
  };
}
