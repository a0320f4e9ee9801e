import type { ChatKitOptions } from '@openai/chatkit';
import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type { AuthChatKit } from './auth-chatkit.js';
import type { AuthChatKitEventMap } from './events.js';
import type { TokenProvider } from './token-fetchers.js';

/**
 * `<auth-chatkit>`'s attributes as written in HTML and templates, with the values the element
 * accepts (any other value is an `auth-chatkit-error` with code `config`).
 */
export interface AuthChatKitAttributes {
  /** Better Auth base URL, e.g. `/api/auth` (required unless `tokenProvider` is set). */
  'auth-url'?: string;
  /** The ChatKit backend (required). */
  'api-url'?: string;
  'domain-key'?: string;
  'chatkit-src'?: string;
  'login-url'?: string;
  theme?: 'light' | 'dark' | 'auto';
  placeholder?: string;
  greeting?: string;
  locale?: string;
  /** Seconds. */
  'refresh-leeway'?: string | number;
  'sign-in-mode'?: 'auto' | 'cookie' | 'popup';
  'credential-storage'?: 'memory' | 'session' | 'local';
  attachments?: string;
  'attachment-max-size'?: string | number;
  'attachment-max-count'?: string | number;
  mode?: 'inline' | 'launcher';
  position?: 'right' | 'left';
  loading?: 'lazy' | 'eager';
  open?: boolean;
  badge?: string | number;
  'badge-label'?: string;
  remember?: boolean;
  nonce?: string;
}

/** The properties that take what no attribute can carry: frameworks that set properties (React 19, Svelte 5, Vue's `.prop`) pass them. */
export interface AuthChatKitObjectProperties {
  tokenProvider?: TokenProvider;
  chatkitOptions?: Partial<ChatKitOptions>;
}

/** A listener property per event, named as React 19 and Svelte 5 read them: `on` + the event's name (`onauth-chatkit-error`, `onchatkit-thread-change`). */
export type AuthChatKitEventAttributes = {
  [K in keyof AuthChatKitEventMap as K extends `${string}.${string}` ? never : `on${K}`]?: (event: AuthChatKitEventMap[K]) => void;
};

/** The element in React's JSX: React's own HTML attributes, the element's, its properties and its events. */
export type AuthChatKitReactProps = DetailedHTMLProps<HTMLAttributes<AuthChatKit>, AuthChatKit> &
  AuthChatKitAttributes &
  AuthChatKitObjectProperties &
  AuthChatKitEventAttributes;

declare module 'react' {
  // React 19 reads only its own JSX namespace (`react/jsx-runtime` re-exports it).
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace JSX {
    interface IntrinsicElements {
      'auth-chatkit': AuthChatKitReactProps;
    }
  }
}

declare global {
  // Frameworks with a global JSX namespace (Preact, Solid, Stencil, React 18's types).
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace JSX {
    interface IntrinsicElements {
      'auth-chatkit': AuthChatKitReactProps;
    }
  }
}
