import type { ChatKitOptions } from '@openai/chatkit';
import { LauncherElement } from './launcher.js';
import type { TokenProvider } from './token-fetchers.js';

/**
 * What a page sets on `<auth-chatkit>` beyond the launcher's API: its attributes and properties,
 * read into a config on every update. `<auth-chatkit>` extends it; the element's behaviour is there.
 */
export class AuthChatKitProperties extends LauncherElement {
  static override properties = {
    authUrl: { attribute: 'auth-url' },
    apiUrl: { attribute: 'api-url' },
    domainKey: { attribute: 'domain-key' },
    chatkitSrc: { attribute: 'chatkit-src' },
    loginUrl: { attribute: 'login-url' },
    theme: {},
    placeholder: {},
    greeting: {},
    locale: {},
    refreshLeeway: { attribute: 'refresh-leeway' },
    signInMode: { attribute: 'sign-in-mode' },
    credentialStorage: { attribute: 'credential-storage' },
    attachments: {},
    attachmentMaxSize: { attribute: 'attachment-max-size' },
    attachmentMaxCount: { attribute: 'attachment-max-count' },
    remember: { type: Boolean },
    tokenProvider: { attribute: false },
    chatkitOptions: { attribute: false },
  };

  /** Better Auth base URL, e.g. `https://example.com/api/auth`. */
  declare authUrl: string | undefined;
  /** The ChatKit backend (required). */
  declare apiUrl: string | undefined;
  /** OpenAI domain key; a placeholder is used on localhost. */
  declare domainKey: string | undefined;
  /** Where the ChatKit runtime script comes from (default: OpenAI's CDN). */
  declare chatkitSrc: string | undefined;
  /** Where the default signed-out panel links to. */
  declare loginUrl: string | undefined;
  /** `light`, `dark`, or `auto`: the page's `prefers-color-scheme`, followed live. */
  declare theme: 'light' | 'dark' | 'auto' | undefined;
  /** Composer placeholder. */
  declare placeholder: string | undefined;
  /** Start-screen greeting. */
  declare greeting: string | undefined;
  /** ChatKit locale, e.g. `de-DE`. */
  declare locale: string | undefined;
  /** Refresh at least this many seconds before the token expires (default 60). */
  declare refreshLeeway: string | undefined;
  /** `auto` (default: the popup when auth-url is on another site), `cookie` or `popup`. */
  declare signInMode: 'auto' | 'cookie' | 'popup' | undefined;
  /** Where the any-site sign-in keeps a bearer credential if partitioned cookies are refused: `memory` (default), `session`, `local`. */
  declare credentialStorage: 'memory' | 'session' | 'local' | undefined;
  /** Accepted attachment types, like `<input type=file accept>`: `image/*,application/pdf,.txt`. Enables uploads. */
  declare attachments: string | undefined;
  /** Largest attachment: bytes, or `10MB` (KB/MB/GB decimal, KiB/MiB/GiB binary). */
  declare attachmentMaxSize: string | undefined;
  /** Most attachments in one message. */
  declare attachmentMaxCount: string | undefined;
  /** Remember the thread shown and the open panel across page loads in this tab, for the signed-in user. */
  declare remember: boolean;
  /** Gets the JWT some other way: an async function resolving a JWT, or null when signed out. */
  declare tokenProvider: TokenProvider | undefined;
  /** Any other ChatKit options; `api` is ours. */
  declare chatkitOptions: Partial<ChatKitOptions> | undefined;
}
