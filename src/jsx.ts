import type { ChatKitOptions } from '@openai/chatkit';
import type { TokenProvider } from './token-fetchers.js';

/** `<auth-chatkit>`'s attributes, for JSX and templates. */
export interface AuthChatKitAttributes {
  'auth-url'?: string;
  'api-url': string;
  'domain-key'?: string;
  'chatkit-src'?: string;
  'login-url'?: string;
  theme?: 'light' | 'dark' | 'auto';
  placeholder?: string;
  greeting?: string;
  locale?: string;
  'refresh-leeway'?: string | number;
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
  tokenProvider?: TokenProvider;
  chatkitOptions?: Partial<ChatKitOptions>;
  id?: string;
  class?: string;
  className?: string;
  slot?: string;
  style?: string | Record<string, string | number>;
  hidden?: boolean;
  ref?: unknown;
  children?: unknown;
  key?: string | number;
}

declare global {
  // Frameworks with a global JSX namespace (Preact, Solid, Stencil, React before 19's scoped JSX).
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace JSX {
    interface IntrinsicElements {
      'auth-chatkit': AuthChatKitAttributes;
    }
  }
}
