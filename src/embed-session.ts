import { AuthChatKitError } from './errors.js';
import { signInWithPopup, type PopupHost } from './popup-sign-in.js';
import { tolerantStorage } from './storage.js';

/**
 * Where a bearer session credential is kept when the browser refuses partitioned cookies:
 * - `memory`: this page only (a reload asks again)
 * - `session`: this tab's sessionStorage (survives reloads, not shared with other tabs)
 * - `local`: the origin's localStorage (every tab, until sign-out)
 */
export type CredentialStorage = 'memory' | 'session' | 'local';

/** The long-lived credential of the any-site sign-in, when it is not an HttpOnly partitioned cookie. */
export interface BearerCredential {
  get(): string | undefined;
  set(value: string): void;
  clear(): void;
  /** Whether every tab of the origin holds the same one (so tabs may share refreshes). */
  readonly shared: boolean;
}

const credentials = new Map<string, BearerCredential & { where: CredentialStorage }>();

/**
 * The page's bearer credential for `authUrl` (one per auth server, like its token source), held
 * where `where` says from now on. Storage that throws counts as empty.
 */
export function bearerCredential(authUrl: string, where: CredentialStorage): BearerCredential {
  const key = `auth-chatkit:credential:${authUrl}`;
  let credential = credentials.get(key);
  if (!credential) {
    let held: string | undefined;
    const storage = tolerantStorage(() => (credential!.where === 'local' ? localStorage : credential!.where === 'session' ? sessionStorage : undefined));
    credential = {
      where,
      get shared() {
        return this.where === 'local';
      },
      get: () => held ?? storage.get(key),
      set(value) {
        held = value;
        storage.set(key, value);
      },
      clear() {
        held = undefined;
        storage.remove(key);
      },
    };
    credentials.set(key, credential);
  }
  credential.where = where;
  return credential;
}

type Redeemed = { credential: 'cookie' } | { credential: 'bearer'; token: string };

/**
 * The sign-in of an embed on another site: the hand-off popup (opened at once: call this in a click
 * handler), a probe that tells the server whether this browser keeps partitioned cookies, then the
 * code redeemed for a session credential: an HttpOnly partitioned cookie the page never sees, or a
 * bearer credential kept in `credential`. Rejects with the popup's errors, `network`, or
 * `bad-response` for a redeem answer without the expected credential.
 */
export async function signInAcrossSites(
  authUrl: string,
  credential: BearerCredential,
  host?: PopupHost,
  send: typeof fetch = (...args) => fetch(...args),
): Promise<void> {
  const code = signInWithPopup(authUrl, host);
  let response: Response;
  try {
    // The probe runs while the user signs in: its cookie must be back before the redeem.
    const [value] = await Promise.all([code, send(`${authUrl}/embed/probe`, { credentials: 'include', cache: 'no-store' })]);
    response = await send(`${authUrl}/embed/redeem`, {
      method: 'POST',
      credentials: 'include',
      cache: 'no-store',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ code: value }),
    });
  } catch (error) {
    throw error instanceof AuthChatKitError ? error : new AuthChatKitError('network', 'Could not reach the sign-in server.', { cause: error });
  }
  const answer = (await response.json().catch(() => null)) as Partial<Redeemed & { token: unknown; message: unknown }> | null;
  if (response.ok && answer?.credential === 'cookie') return credential.clear();
  if (response.ok && answer?.credential === 'bearer' && typeof answer.token === 'string' && answer.token) return credential.set(answer.token);
  const why = typeof answer?.message === 'string' ? answer.message : `it answered ${response.status} without a credential`;
  throw new AuthChatKitError('bad-response', `The sign-in server could not complete the sign-in: ${why}`);
}

/**
 * Ends the session this page holds: the embedded one (`POST {authUrl}/embed/sign-out`, with the
 * bearer credential if one is held), or Better Auth's own (`POST {authUrl}/sign-out`).
 */
export async function signOutOf(authUrl: string, embedded: boolean, credential: BearerCredential, send: typeof fetch = (...args) => fetch(...args)): Promise<void> {
  const bearer = credential.get();
  credential.clear();
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  const response = await send(`${authUrl}/${embedded ? 'embed/sign-out' : 'sign-out'}`, { method: 'POST', credentials: 'include', headers, body: '{}' });
  if (!response.ok) throw new AuthChatKitError('server', `Signing out failed: ${authUrl} answered ${response.status}.`);
}
