import { AuthChatKitError } from './errors.js';

/** The message the auth server's hand-off page posts (see auth-chatkit/better-auth). */
const messageType = 'auth-chatkit:code';

/** The window seam: `open`, `addEventListener` for messages, timers to watch for a closed popup. */
export type PopupHost = Pick<Window, 'open' | 'addEventListener' | 'removeEventListener' | 'setInterval' | 'clearInterval'> & {
  location: Pick<Location, 'origin'>;
};

/**
 * Opens the auth server's hand-off page in a popup and resolves the single-use code it posts back.
 * Must be called synchronously in a click handler (popup blockers allow `window.open` only there).
 * Accepts a message only from the auth server's origin, from this popup, of the expected type and
 * with this attempt's nonce; everything else is ignored. Rejects with `popup-blocked` when the
 * browser refused the popup, and `popup-closed` when the user closed it without finishing.
 */
export function signInWithPopup(authUrl: string, host: PopupHost = window): Promise<string> {
  const authOrigin = new URL(authUrl).origin;
  const nonce = crypto.randomUUID();
  const url = `${authUrl}/embed?${new URLSearchParams({ origin: host.location.origin, nonce })}`;
  const popup = host.open(url, 'auth-chatkit-sign-in', 'popup,width=480,height=640');
  if (!popup) {
    return Promise.reject(new AuthChatKitError('popup-blocked', 'Allow pop-ups for this site to sign in.'));
  }
  return new Promise((resolve, reject) => {
    const finish = (settle: () => void) => {
      host.removeEventListener('message', onMessage);
      host.clearInterval(watch);
      settle();
    };
    const onMessage = ({ origin, source, data }: MessageEvent) => {
      if (origin !== authOrigin || source !== popup || data?.type !== messageType || data.nonce !== nonce) return;
      if (typeof data.code === 'string' && data.code) finish(() => resolve(data.code));
    };
    // No event tells the opener a popup closed: look twice a second.
    const watch = host.setInterval(() => {
      if (popup.closed) finish(() => reject(new AuthChatKitError('popup-closed', 'The sign-in window was closed.')));
    }, 500);
    host.addEventListener('message', onMessage);
  });
}
