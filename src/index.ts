// The package entry: the element class and its building blocks, with no side effects.
// `auth-chatkit/define` (or the script-tag file) registers <auth-chatkit>.
export { AuthChatKit, type AuthChatKitEventMap, type AuthChatKitState } from './auth-chatkit.js';
export { AuthChatKitError, type AuthChatKitErrorCode } from './errors.js';
export { authorizedFetch, type AuthorizedFetchOptions } from './authorized-fetch.js';
export { defaultChatKitSrc, loadChatKit } from './chatkit-runtime.js';
export { betterAuthToken, providedToken, type TokenProvider } from './token-fetchers.js';
export { TokenSource, type Clock, type FetchToken, type TokenSnapshot, type TokenSourceOptions, type TokenState } from './token-source.js';
export { tokenSourceFor } from './token-sources.js';
export { defaultPolicy, type RefreshPolicy } from './token-timing.js';
export type { AuthChatKitAttributes, AuthChatKitEventAttributes, AuthChatKitObjectProperties, AuthChatKitReactProps } from './jsx.js';
export type { AuthChatKitOwnEventMap, ChatKitEventMap } from './events.js';
