// Registers <auth-chatkit>: the package's `auth-chatkit/define` and the entry of the script-tag file
// dist/auth-chatkit.js. Loading it twice (or next to another copy) is harmless. The building blocks
// (TokenSource, authorizedFetch, ...) are exported by the package entry, `auth-chatkit`.
import { AuthChatKit } from './auth-chatkit.js';

AuthChatKit.define();

export { AuthChatKit };
export { AuthChatKitError } from './errors.js';
// The element's JSX typing (React 19's scoped namespace and the global one) comes with the import.
export type { AuthChatKitAttributes, AuthChatKitReactProps } from './jsx.js';
