// `auth-chatkit/svelte`: <auth-chatkit> in Svelte 5 markup, checked by svelte-check. Load it once:
// `import type {} from 'auth-chatkit/svelte';`. Svelte 5 sets `chatkitOptions` and `tokenProvider`
// as properties, and `onauth-chatkit-error={...}` / `onchatkit-thread-change={...}` listen.
import type { HTMLAttributes } from 'svelte/elements';
import type { AuthChatKit, AuthChatKitAttributes, AuthChatKitEventAttributes, AuthChatKitObjectProperties } from '../dist/lib/index.js';

declare module 'svelte/elements' {
  interface SvelteHTMLElements {
    'auth-chatkit': HTMLAttributes<AuthChatKit> & AuthChatKitAttributes & AuthChatKitObjectProperties & AuthChatKitEventAttributes;
  }
}
