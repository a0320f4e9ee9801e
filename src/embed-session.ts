import { AuthChatKitError } from './errors.js';
import { nativeFetch } from './native-fetch.js';
import { awaitApproval, openSignInPopup, type Check, type PopupHost } from './popup-sign-in.js';
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

/** A sign-in attempt in progress: its id, the secret verifier that alone redeems it, its end (local ms). */
interface Attempt {
  id: string;
  verifier: string;
  expiresAt: number;
}

/** Where the attempt waits, in this tab only, so that a reload of the page can finish it: never a token. */
const pendingAttempts = tolerantStorage(() => sessionStorage);
const attemptKey = (authUrl: string) => `auth-chatkit:sign-in:${authUrl}`;

const base64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const secret = () => base64url(crypto.getRandomValues(new Uint8Array(32)));
const challengeOf = async (verifier: string) => base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));

/** What the sign-in needs besides the auth server: the window, the network, and who hears of a severed popup. */
export interface SignInSeams {
  host?: PopupHost;
  send?: typeof fetch;
  /** The popup has no opener (a Cross-Origin-Opener-Policy): the sign-in goes on by polling. */
  onSevered?(): void;
}

/** A request of the sign-in, with the page's credentials (the partitioned cookies); a failure to reach the server is `network`. */
const request = (send: typeof fetch, url: string, init: RequestInit = {}) =>
  send(url, { credentials: 'include', cache: 'no-store', ...init }).catch(cause => {
    throw new AuthChatKitError('network', 'Could not reach the sign-in server.', { cause });
  });
const post = (send: typeof fetch, url: string, body: unknown) =>
  request(send, url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

/** The server's answer as JSON, or a readable error saying why it is not what was asked. */
async function answerOf<T>(response: Response, valid: (answer: Record<string, unknown>) => T | undefined): Promise<T> {
  const answer = ((await response.json().catch(() => null)) ?? {}) as Record<string, unknown>;
  const found = response.ok ? valid(answer) : undefined;
  if (found !== undefined) return found;
  const why = typeof answer.message === 'string' ? answer.message : `it answered ${response.status} without a credential`;
  const code = response.status >= 400 && response.status < 500 && typeof answer.code === 'string' ? 'sign-in-refused' : 'bad-response';
  throw new AuthChatKitError(code, `The sign-in server could not complete the sign-in: ${why}`);
}

/**
 * The sign-in of an embed on another site (call it in a click handler: the popup opens at once).
 * A new attempt, bound to a verifier this page alone holds (PKCE-style: the server gets its S256
 * challenge when the attempt is registered, the verifier only with the redeem), is registered with
 * the auth server after a probe cookie that tells it, for the whole attempt, whether this browser
 * keeps partitioned cookies. Once the user approves in the popup, the attempt is redeemed for a session
 * credential: an HttpOnly partitioned cookie the page never sees, or a bearer credential kept in
 * `credential`. Every request goes with the `fetch` captured when this module loaded. Rejects with
 * the popup's errors, `network`, `sign-in-refused` (a 4xx with a reason) or `bad-response`.
 */
export async function signInAcrossSites(authUrl: string, credential: BearerCredential, { host, send = nativeFetch, onSevered }: SignInSeams = {}): Promise<void> {
  const id = secret();
  const verifier = secret();
  const popup = openSignInPopup(authUrl, id, host);
  // the probe cookie, if this browser keeps partitioned cookies, goes back with the registration
  await request(send, `${authUrl}/embed/probe`);
  const registered = await post(send, `${authUrl}/embed/attempt`, { attempt: id, challenge: await challengeOf(verifier) });
  const expiresIn = await answerOf(registered, answer => (typeof answer.expiresIn === 'number' ? answer.expiresIn : undefined));
  const attempt: Attempt = { id, verifier, expiresAt: Date.now() + expiresIn * 1000 };
  pendingAttempts.set(attemptKey(authUrl), JSON.stringify(attempt));
  await finish(authUrl, attempt, credential, { host, send, onSevered }, popup);
}

/**
 * Finishes a sign-in this tab started before a reload (its popup may still be open), or resolves
 * false at once when there is none. Rejects as `signInAcrossSites` does.
 */
export async function resumeSignIn(authUrl: string, credential: BearerCredential, { host, send = nativeFetch }: SignInSeams = {}): Promise<boolean> {
  let attempt: Attempt | undefined;
  try {
    attempt = JSON.parse(pendingAttempts.get(attemptKey(authUrl)) ?? 'null') as Attempt | undefined;
  } catch {
    attempt = undefined;
  }
  if (!attempt || typeof attempt.id !== 'string' || typeof attempt.verifier !== 'string' || !(attempt.expiresAt > Date.now())) {
    pendingAttempts.remove(attemptKey(authUrl));
    return false;
  }
  await finish(authUrl, attempt, credential, { host, send });
  return true;
}

async function finish(authUrl: string, attempt: Attempt, credential: BearerCredential, { host, send = nativeFetch, onSevered }: SignInSeams, popup?: Window): Promise<void> {
  const stored = JSON.stringify(attempt);
  try {
    const redeemed = await awaitApproval(
      {
        authUrl,
        attempt: attempt.id,
        expiresAt: attempt.expiresAt,
        popup,
        onSevered,
        check: async () =>
          answerOf<Check<Redeemed>>(await post(send, `${authUrl}/embed/redeem`, { attempt: attempt.id, verifier: attempt.verifier }), answer => {
            if (answer.pending === true) return { severed: answer.severed === true };
            if (answer.credential === 'cookie') return { value: { credential: 'cookie' } };
            if (answer.credential === 'bearer' && typeof answer.token === 'string' && answer.token) return { value: { credential: 'bearer', token: answer.token } };
            return undefined;
          }),
      },
      host,
    );
    if (redeemed.credential === 'cookie') credential.clear();
    else credential.set(redeemed.token);
  } finally {
    // only this attempt's record: a newer attempt may have replaced it
    if (pendingAttempts.get(attemptKey(authUrl)) === stored) pendingAttempts.remove(attemptKey(authUrl));
  }
}

/**
 * Ends the session this page holds: the embedded one (`POST {authUrl}/embed/sign-out`, with the
 * bearer credential in `Chatkit-Embed-Credential` if one is held, sent with the `fetch` captured at
 * load), or Better Auth's own (`POST {authUrl}/sign-out`).
 */
export async function signOutOf(authUrl: string, embedded: boolean, credential: BearerCredential | undefined, send?: typeof fetch): Promise<void> {
  const bearer = credential?.get();
  credential?.clear();
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (bearer) headers[CREDENTIAL_HEADER] = bearer;
  const request = send ?? (embedded ? nativeFetch : (...args: Parameters<typeof fetch>) => fetch(...args));
  const response = await request(`${authUrl}/${embedded ? 'embed/sign-out' : 'sign-out'}`, { method: 'POST', credentials: 'include', headers, body: '{}' });
  if (!response.ok) throw new AuthChatKitError('server', `Signing out failed: ${authUrl} answered ${response.status}.`);
}

/** The request header of a bearer credential (auth-chatkit/better-auth reads it; no other plugin does). */
export const CREDENTIAL_HEADER = 'Chatkit-Embed-Credential';
