import { attachmentOptions, type AttachmentOptions } from './attachment-options.js';
import { defaultChatKitSrc } from './chatkit-runtime.js';
import type { CredentialStorage } from './embed-session.js';
import { AuthChatKitError } from './errors.js';

/** The element's settings as its attributes give them (strings, or absent). */
export interface RawConfig {
  authUrl?: string | null;
  apiUrl?: string | null;
  domainKey?: string | null;
  chatkitSrc?: string | null;
  loginUrl?: string | null;
  theme?: string | null;
  mode?: string | null;
  position?: string | null;
  loading?: string | null;
  placeholder?: string | null;
  greeting?: string | null;
  locale?: string | null;
  refreshLeeway?: string | null;
  signInMode?: string | null;
  credentialStorage?: string | null;
  attachments?: string | null;
  attachmentMaxSize?: string | null;
  attachmentMaxCount?: string | null;
  tokenProvider?: unknown;
}

/** Validated settings, URLs absolute. */
export interface ChatConfig {
  authUrl?: string;
  apiUrl: string;
  domainKey: string;
  chatkitSrc: string;
  loginUrl?: string;
  theme?: 'light' | 'dark';
  placeholder?: string;
  greeting?: string;
  locale?: string;
  leewayMs?: number;
  /** Sign in through the auth server's hand-off popup (the auth server is on another site). */
  popup: boolean;
  credentialStorage: CredentialStorage;
  /** The composer's attachments (two-phase upload), when `attachments` lists accepted types. */
  attachments?: AttachmentOptions;
}

/** ChatKit needs a domain key, but accepts any placeholder on a loopback host. */
export const localDomainKey = 'domain_pk_localhost';

const loopbackHost = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/** The page a config is read for. */
export interface PageContext {
  /** The base URLs resolve against, as the platform resolves `src` and `href` (`document.baseURI`). */
  href: string;
  /** The page's own origin (`location.origin`). */
  origin: string;
  /** Whether the page prefers a dark color scheme (`theme="auto"` follows it). */
  dark?: boolean;
}

/** Reads the attributes; throws an AuthChatKitError('config') that says what to fix. */
export function parseConfig(raw: RawConfig, page: PageContext): ChatConfig {
  const apiUrl = url('api-url', raw.apiUrl, page.href);
  if (!apiUrl) fail('api-url is required: your ChatKit backend URL.');
  // Without a trailing slash: the endpoints are {authUrl}/token, {authUrl}/embed, ...
  const authUrl = url('auth-url', raw.authUrl, page.href)?.replace(/\/+$/, '');
  if (!authUrl && typeof raw.tokenProvider !== 'function') {
    fail('auth-url is required: your Better Auth URL, e.g. /api/auth (or set tokenProvider).');
  }
  const theme = oneOf('theme', raw.theme, ['light', 'dark', 'auto']);
  // The launcher reads these itself (they are not ChatKit's): here they are only checked.
  oneOf('mode', raw.mode, ['inline', 'launcher']);
  oneOf('position', raw.position, ['right', 'left']);
  oneOf('loading', raw.loading, ['lazy', 'eager']);
  const leeway = present(raw.refreshLeeway);
  if (leeway !== undefined && !/^\d+(\.\d+)?$/.test(leeway)) {
    fail(`refresh-leeway "${leeway}" is not a number of seconds.`);
  }
  const mode = oneOf('sign-in-mode', raw.signInMode, ['auto', 'cookie', 'popup']) ?? 'auto';
  const credentialStorage = oneOf('credential-storage', raw.credentialStorage, ['memory', 'session', 'local']) ?? 'memory';
  // An opaque origin ("null": a sandboxed or srcdoc frame) has no host: it is no loopback page.
  const hostname = URL.canParse(page.origin) ? new URL(page.origin).hostname : '';
  const domainKey = present(raw.domainKey) ?? (loopbackHost.test(hostname) ? localDomainKey : undefined);
  if (!domainKey) {
    fail(`domain-key is required on ${hostname || 'this page'}: add it to OpenAI's domain allow-list and set its key.`);
  }
  return {
    authUrl,
    apiUrl,
    domainKey,
    chatkitSrc: url('chatkit-src', raw.chatkitSrc, page.href, true) ?? defaultChatKitSrc,
    loginUrl: url('login-url', raw.loginUrl, page.href),
    theme: theme === 'auto' ? (page.dark ? 'dark' : 'light') : theme,
    placeholder: present(raw.placeholder),
    greeting: present(raw.greeting),
    locale: present(raw.locale),
    leewayMs: leeway === undefined ? undefined : Number(leeway) * 1000,
    popup: !!authUrl && (mode === 'popup' || (mode === 'auto' && site(authUrl) !== site(page.origin))),
    credentialStorage,
    attachments: attachmentOptions(present(raw.attachments), present(raw.attachmentMaxSize), present(raw.attachmentMaxCount)),
  };
}

/**
 * One of `allowed`, or absent (or empty). Matched as written, like HTML's keyword attributes, and
 * not trimmed: CSS matches `mode` and `position` as written too.
 */
function oneOf<T extends string>(name: string, value: unknown, allowed: T[]): T | undefined {
  const given = value == null || value === '' ? undefined : `${value}`;
  if (given !== undefined && !allowed.includes(given as T)) fail(`${name} "${given}" is not ${allowed.join(', ')}.`);
  return given as T | undefined;
}

/**
 * Scheme and registrable domain, approximated without the public suffix list: the last two labels
 * (three under a country code's common second level, like co.uk); an IP address or a single label
 * as it is. Where this guesses wrong (e.g. github.io pages), `sign-in-mode` says what to do.
 */
function site(url: string): string {
  if (!URL.canParse(url)) return url; // an opaque origin is a site of its own
  const { protocol, hostname } = new URL(url);
  const labels = hostname.split('.');
  if (/^[\d.]+$|^\[/.test(hostname) || labels.length < 3) return protocol + hostname;
  const countryCode = labels.at(-1)!.length === 2 && /^(ac|co|com|edu|gov|net|or|org|ne|go)$/.test(labels.at(-2)!);
  return protocol + labels.slice(countryCode ? -3 : -2).join('.');
}

// Properties may be set from JavaScript to any value (a number, a URL object): read as text.
const present = (value: unknown) => (value == null ? undefined : `${value}`.trim() || undefined);

/**
 * The absolute URL `value` names, resolved against `base` as `src`/`href` are. Only schemes that can
 * work: http(s) for endpoints and links; a `script` may also be `data:` or `blob:`.
 */
function url(name: string, value: unknown, base: string, script = false): string | undefined {
  const given = present(value);
  if (given === undefined) return undefined;
  let resolved: URL;
  try {
    resolved = new URL(given, base);
  } catch {
    return fail(`${name} "${given}" is not a URL.`);
  }
  const scheme = resolved.protocol;
  if (!/^https?:$/.test(scheme) && !(script && (scheme === 'data:' || scheme === 'blob:'))) {
    fail(`${name} "${given}" cannot be a ${scheme} URL: use http(s)${script ? ', data: or blob:' : ''}.`);
  }
  return resolved.href;
}

function fail(message: string): never {
  throw new AuthChatKitError('config', message);
}
