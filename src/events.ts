import type { ChatKitEvents } from '@openai/chatkit';
import type { AuthChatKitErrorCode } from './errors.js';

/** The element's state, reflected as its `state` attribute for CSS (`idle`: a launcher before intent). */
export type AuthChatKitState = 'idle' | 'loading' | 'signed-out' | 'ready' | 'retrying' | 'error';

/** The element's own events: bubbling and composed, fired for changes the page did not just make. */
export interface AuthChatKitOwnEventMap {
  'auth-chatkit-ready': CustomEvent<Record<string, never>>;
  /** A new token arrived; `expiresAt` is local time in ms. The token itself is never in an event. */
  'auth-chatkit-token': CustomEvent<{ expiresAt: number }>;
  'auth-chatkit-signed-out': CustomEvent<Record<string, never>>;
  'auth-chatkit-error': CustomEvent<{ code: AuthChatKitErrorCode; message: string }>;
  /** The launcher's panel opened or closed (not the state the element starts in). */
  'auth-chatkit-open': CustomEvent<Record<string, never>>;
  'auth-chatkit-close': CustomEvent<Record<string, never>>;
}

type Dashed<S extends string> = S extends `${infer Head}.${infer Tail}` ? `${Head}-${Dashed<Tail>}` : S;

/**
 * ChatKit's events, re-dispatched by the element under ChatKit's names (`chatkit.thread.change`) and
 * again with dashes (`chatkit-thread-change`) for JSX and Vue templates, which cannot write a dot.
 */
export type ChatKitEventMap = ChatKitEvents & { [K in keyof ChatKitEvents as Dashed<K>]: ChatKitEvents[K] };

/** Every event `<auth-chatkit>` fires, with its `detail`. */
export interface AuthChatKitEventMap extends AuthChatKitOwnEventMap, ChatKitEventMap {}
