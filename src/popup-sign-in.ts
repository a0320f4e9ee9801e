import { AuthChatKitError } from './errors.js';

/** The message the auth server's hand-off page posts when the user approved (see auth-chatkit/better-auth). */
const messageType = 'auth-chatkit:approved';

/** The window seam: `open`, `addEventListener` for messages, timers to poll and watch the popup. */
export type PopupHost = Pick<Window, 'open' | 'addEventListener' | 'removeEventListener' | 'setInterval' | 'clearInterval'> & {
  location: Pick<Location, 'origin'>;
};

/** How often the server is asked while the popup cannot tell (no opener, or no popup: a reload). */
export const POLL_MS = 2_000;
/** How often the popup is watched: no event tells the opener it closed. */
const WATCH_MS = 500;
/** A popup that reads closed this soon was not closed by the user: a Cross-Origin-Opener-Policy severed it. */
const SEVERED_WITHIN_MS = 1_000;

/**
 * Opens the auth server's hand-off page for sign-in attempt `attempt` in a popup. Must be called
 * synchronously in a click handler (popup blockers allow `window.open` only there). Throws
 * `popup-blocked` when the browser refused it.
 */
export function openSignInPopup(authUrl: string, attempt: string, host: PopupHost = window): Window {
  const url = `${authUrl}/embed?${new URLSearchParams({ origin: host.location.origin, attempt })}`;
  const popup = host.open(url, 'auth-chatkit-sign-in', 'popup,width=480,height=640');
  if (!popup) throw new AuthChatKitError('popup-blocked', 'Allow pop-ups for this site to sign in.');
  return popup;
}

/** What a check of the server found: the result once approved, else whether the popup lost its opener. */
export type Check<T> = { value: T } | { severed: boolean };

/** What `awaitApproval` is told and asks. */
export interface Approval<T> {
  authUrl: string;
  attempt: string;
  /** Asks the server. */
  check(): Promise<Check<T>>;
  /** Local ms after which the attempt is over. */
  expiresAt: number;
  /** The popup, if this page opened it (a reloaded page has none). */
  popup?: Pick<Window, 'closed'>;
  /** Told once when the popup turns out to have no opener (severed by a Cross-Origin-Opener-Policy). */
  onSevered?(): void;
}

/** How long a popup that closed is still looked for: its page may yet report that it lost its opener. */
const CLOSED_GRACE_MS = 4_000;

/**
 * Waits for the user's approval of `attempt` in the hand-off popup and resolves what `check` found.
 * Checks at once on the popup's message (from the auth origin, of its type, for this attempt: it
 * carries no secret, so any such message only wakes the check), and every POLL_MS while the popup
 * cannot message: severed from this page by a Cross-Origin-Opener-Policy (it reads closed at once, or
 * its page told the server so), or opened before a reload. Rejects `popup-closed` when the user
 * closed the popup unapproved, and `sign-in-expired` when the attempt ran out.
 */
export function awaitApproval<T>(options: Approval<T>, host: PopupHost = window): Promise<T> {
  const { authUrl, attempt, check, expiresAt, popup } = options;
  const authOrigin = new URL(authUrl).origin;
  const opened = Date.now();
  let severed = !popup;
  let closedAt: number | undefined;
  let busy = false;
  let ticks = 0;
  return new Promise<T>((resolve, reject) => {
    const finish = (settle: () => void) => {
      host.removeEventListener('message', onMessage);
      host.clearInterval(watch);
      settle();
    };
    const sever = () => {
      severed = true;
      closedAt = undefined;
      options.onSevered?.();
    };
    const ask = async () => {
      if (busy) return;
      busy = true;
      try {
        const found = await check();
        if ('value' in found) return finish(() => resolve(found.value));
        if (found.severed && !severed && popup) sever();
        if (closedAt !== undefined && Date.now() - closedAt >= CLOSED_GRACE_MS) finish(() => reject(new AuthChatKitError('popup-closed', 'The sign-in window was closed.')));
      } catch (error) {
        finish(() => reject(error));
      } finally {
        busy = false;
      }
    };
    const onMessage = ({ origin, data }: MessageEvent) => {
      if (origin === authOrigin && data?.type === messageType && data.attempt === attempt) void ask();
    };
    const watch = host.setInterval(() => {
      if (Date.now() >= expiresAt) return finish(() => reject(new AuthChatKitError('sign-in-expired', 'The sign-in took too long: sign in again.')));
      if (!severed && closedAt === undefined && popup!.closed) {
        if (Date.now() - opened <= SEVERED_WITHIN_MS) sever();
        else {
          closedAt = Date.now(); // the user closed it, or its page lost the opener later (a sign-in page's COOP)
          return void ask();
        }
      }
      if ((severed || closedAt !== undefined) && ++ticks % (POLL_MS / WATCH_MS) === 0) void ask();
    }, WATCH_MS);
    host.addEventListener('message', onMessage);
  });
}
