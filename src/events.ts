import type { AuthChatKitErrorCode } from './errors.js';

/** The element's state, reflected as its `state` attribute for CSS (`idle`: a launcher before intent). */
export type AuthChatKitState = 'idle' | 'loading' | 'signed-out' | 'ready' | 'retrying' | 'error';

/** The element's own events: bubbling and composed, fired for changes the page did not just make. */
export interface AuthChatKitEventMap {
  'auth-chatkit-ready': CustomEvent<Record<string, never>>;
  /** A new token arrived; `expiresAt` is local time in ms. The token itself is never in an event. */
  'auth-chatkit-token': CustomEvent<{ expiresAt: number }>;
  'auth-chatkit-signed-out': CustomEvent<Record<string, never>>;
  'auth-chatkit-error': CustomEvent<{ code: AuthChatKitErrorCode; message: string }>;
  /** The launcher's panel opened or closed (not the state the element starts in). */
  'auth-chatkit-open': CustomEvent<Record<string, never>>;
  'auth-chatkit-close': CustomEvent<Record<string, never>>;
}
