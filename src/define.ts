// Registers <auth-chatkit>: the package's `auth-chatkit/define` and the entry of the script-tag file
// dist/auth-chatkit.js. Loading it twice (or next to another copy) is harmless. The building blocks
// (TokenSource, authorizedFetch, ...) are exported by the package entry, `auth-chatkit`.
import { AuthChatKit } from './auth-chatkit.js';

AuthChatKit.define();

export { AuthChatKit };
export { AuthChatKitError } from './errors.js';
