import { defaultChatKitSrc } from './chatkit-runtime.js';
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
}

/** ChatKit needs a domain key, but accepts any placeholder on a loopback host. */
export const localDomainKey = 'domain_pk_localhost';

const loopbackHost = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/** The page a config is read for. */
export interface PageContext {
  /** The base URLs resolve against, as the platform resolves `src` and `href` (`document.baseURI`). */
  href: string;
  hostname: string;
  /** Whether the page prefers a dark color scheme (`theme="auto"` follows it). */
  dark?: boolean;
}

/** Reads the attributes; throws an AuthChatKitError('config') that says what to fix. */
export function parseConfig(raw: RawConfig, page: PageContext): ChatConfig {
  const apiUrl = url('api-url', raw.apiUrl, page.href);
  if (!apiUrl) fail('api-url is required: your ChatKit backend URL.');
  const authUrl = url('auth-url', raw.authUrl, page.href);
  if (!authUrl && typeof raw.tokenProvider !== 'function') {
    fail('auth-url is required: your Better Auth URL, e.g. /api/auth (or set tokenProvider).');
  }
  const theme = choice('theme', present(raw.theme), ['light', 'dark', 'auto']);
  // The launcher reads these itself (they are not ChatKit's): here they are only checked.
  choice('mode', raw.mode, ['inline', 'launcher']);
  choice('position', raw.position, ['right', 'left']);
  choice('loading', raw.loading, ['lazy', 'eager']);
  const leeway = present(raw.refreshLeeway);
  if (leeway !== undefined && !/^\d+(\.\d+)?$/.test(leeway)) {
    fail(`refresh-leeway "${leeway}" is not a number of seconds.`);
  }
  const domainKey = present(raw.domainKey) ?? (loopbackHost.test(page.hostname) ? localDomainKey : undefined);
  if (!domainKey) {
    fail(`domain-key is required on ${page.hostname}: add it to OpenAI's domain allow-list and set its key.`);
  }
  return {
    authUrl,
    apiUrl,
    domainKey,
    chatkitSrc: url('chatkit-src', raw.chatkitSrc, page.href, false) ?? defaultChatKitSrc,
    loginUrl: url('login-url', raw.loginUrl, page.href),
    theme: theme === 'auto' ? (page.dark ? 'dark' : 'light') : theme,
    placeholder: present(raw.placeholder),
    greeting: present(raw.greeting),
    locale: present(raw.locale),
    leewayMs: leeway === undefined ? undefined : Number(leeway) * 1000,
  };
}

// Properties may be set from JavaScript to any value (a number, a URL object): read as text.
const present = (value: unknown) => (value == null ? undefined : `${value}`.trim() || undefined);

/** One of `allowed`, or absent (or empty); not trimmed, as CSS matches `mode` and `position` as written. */
function choice<T extends string>(name: string, value: unknown, allowed: readonly T[]): T | undefined {
  if (value == null || value === '') return undefined;
  if (!allowed.includes(value as T)) fail(`${name} "${value}" is not ${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}.`);
  return value as T;
}

/**
 * The absolute URL `value` names, resolved against `base` as `src`/`href` are. `javascript:` never
 * works; endpoints and links (`httpOnly`) must be http(s), a script may also be `data:` or `blob:`.
 */
function url(name: string, value: unknown, base: string, httpOnly = true): string | undefined {
  const given = present(value);
  if (given === undefined) return undefined;
  let resolved: URL;
  try {
    resolved = new URL(given, base);
  } catch {
    return fail(`${name} "${given}" is not a URL.`);
  }
  const scheme = resolved.protocol;
  if (scheme === 'javascript:' || (httpOnly && scheme !== 'https:' && scheme !== 'http:')) {
    fail(`${name} "${given}" cannot be a ${scheme} URL${httpOnly ? ': use http(s)' : ''}.`);
  }
  return resolved.href;
}

function fail(message: string): never {
  throw new AuthChatKitError('config', message);
}
