// `auth-chatkit/vue`: <auth-chatkit> in Vue templates, checked by vue-tsc (and Volar in editors).
// Load it once: `import type {} from 'auth-chatkit/vue';`. Vue sets these as attributes; the
// object properties need `.prop` (`:chatkitOptions.prop="options"`), events are `@auth-chatkit-error`
// and, for ChatKit's, the dashed names (`@chatkit-thread-change`: in Vue a dot starts a modifier).
import type { DefineComponent, HTMLAttributes } from 'vue';
import type { AuthChatKitAttributes, AuthChatKitEventMap, AuthChatKitObjectProperties } from '../dist/lib/index.js';

type Camel<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<Camel<Tail>>}` : S;

/** The attributes as Vue normalizes a template's `sign-in-mode` (to `signInMode`). */
type VueAttributes = { [K in keyof AuthChatKitAttributes as Camel<K>]: AuthChatKitAttributes[K] };

/** `@auth-chatkit-error="..."` is the prop `onAuthChatkitError`. */
type VueEvents = {
  [K in keyof AuthChatKitEventMap as K extends `${string}.${string}` ? never : `on${Capitalize<Camel<K>>}`]?: (event: AuthChatKitEventMap[K]) => void;
};

declare module 'vue' {
  interface GlobalComponents {
    'auth-chatkit': DefineComponent<Omit<HTMLAttributes, keyof VueAttributes> & VueAttributes & AuthChatKitObjectProperties & VueEvents>;
  }
}
