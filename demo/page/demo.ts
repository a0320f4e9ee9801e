// The demo page's own logic, as a host app would have it: sign-up, sign-in and sign-out with its
// Better Auth client, then `widget.refresh()` so <auth-chatkit> picks the change up at once. The
// page reads only what the widget tells everyone: its state and token expiry times, never a token.
import { createAuthClient } from 'better-auth/client';
import type { AuthChatKit } from '../../src/auth-chatkit.js';

const standInSrc = '/chatkit-stand-in.js';

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;

const widget = $<AuthChatKit>('#widget');
const message = $('#account-message');

// Opened on another site than the server (e.g. http://localhost:8787 for http://127.0.0.1:8787),
// the page is an embedding site: the widget talks to the server's public URL and signs in through
// its popup. /demo-config.js (loaded first) says where the server is.
const server = (globalThis as { authChatkitDemo?: { publicUrl: string } }).authChatkitDemo?.publicUrl ?? location.origin;
const crossSite = new URL(server).origin !== location.origin;
const auth = createAuthClient({ baseURL: `${server}/api/auth` });

// --- the page's preferences ---------------------------------------------------------------------
// Remembered across reloads (preferences, not secrets); `?stand-in=1|0` and `?mode=inline|launcher`
// set them too.

/** The preference `name`: as the URL gives it (then remembered), or as remembered. */
function preference(name: string, values: readonly string[]): string | null {
  const key = `auth-chatkit-demo:${name}`;
  const given = new URLSearchParams(location.search).get(name);
  if (given !== null && values.includes(given)) localStorage.setItem(key, given);
  return localStorage.getItem(key);
}

/** Remembers a choice made on the page, which then wins over the URL's. */
function choose(name: string, value: string): void {
  localStorage.setItem(`auth-chatkit-demo:${name}`, value);
  const url = new URL(location.href);
  url.searchParams.delete(name);
  history.replaceState(null, '', url);
}

// --- the offline stand-in switch ---------------------------------------------------------------
const standIn = $<HTMLInputElement>('#stand-in');
standIn.checked = preference('stand-in', ['0', '1']) === '1';
applyStandIn();
standIn.addEventListener('change', () => {
  choose('stand-in', standIn.checked ? '1' : '0');
  // A page can define <openai-chatkit> once: after the real runtime loaded, switching needs a reload.
  if (customElements.get('openai-chatkit') && standIn.checked !== isStandInLoaded()) location.reload();
  else applyStandIn();
});

function applyStandIn(): void {
  if (standIn.checked) widget.setAttribute('chatkit-src', standInSrc);
  else widget.removeAttribute('chatkit-src');
}

function isStandInLoaded(): boolean {
  return [...document.scripts].some(script => script.src.endsWith(standInSrc));
}

// --- inline or launcher ------------------------------------------------------------------------
// Set before the element's script defines it. Switching reloads: what a launcher loads before and
// after intent shows on a fresh page only.
const mode = preference('mode', ['inline', 'launcher']) === 'launcher' ? 'launcher' : 'inline';
widget.setAttribute('mode', mode);
// The launcher also shows `remember` (the inline page keeps sessionStorage to the any-site sign-in).
widget.toggleAttribute('remember', mode === 'launcher');
$('#launcher-note').hidden = mode !== 'launcher';
for (const radio of document.querySelectorAll<HTMLInputElement>('input[name=mode]')) {
  radio.checked = radio.value === mode;
  radio.addEventListener('change', () => {
    choose('mode', radio.value);
    location.reload();
  });
}

// --- the page's client tool -----------------------------------------------------------------------
// The offline responder's `tool` command calls the client tool get_page_info: ChatKit hands it to
// onClientTool, and what this returns goes back to the server (threads.add_client_tool_output).
widget.chatkitOptions = {
  onClientTool: ({ name }) => {
    if (name === 'get_page_info') return { title: document.title, url: location.href };
    throw new Error(`This page has no client tool "${name}".`);
  },
};

// --- the widget's story ------------------------------------------------------------------------
const stateOutput = $('#widget-state');
const expiresOutput = $('#expires-in');
const refreshesOutput = $('#refreshes');
let expiresAt: number | undefined;
let tokens = 0;

const showState = () => (stateOutput.textContent = widget.state);
for (const type of ['auth-chatkit-ready', 'auth-chatkit-signed-out', 'auth-chatkit-error', 'auth-chatkit-token'] as const) {
  widget.addEventListener(type, () => queueMicrotask(showState));
}
new MutationObserver(showState).observe(widget, { attributes: true, attributeFilter: ['state'] });

widget.addEventListener('auth-chatkit-token', event => {
  expiresAt = event.detail.expiresAt;
  tokens++;
  refreshesOutput.textContent = String(Math.max(0, tokens - 1));
  tick();
});
widget.addEventListener('auth-chatkit-signed-out', () => {
  expiresAt = undefined;
  tick();
});
widget.addEventListener('auth-chatkit-error', event => {
  if (event.detail.code === 'chatkit-load' && !standIn.checked) {
    $('#stand-in-help').classList.add('hint');
    $('#stand-in-help').textContent = 'ChatKit could not be loaded from OpenAI (offline?). Turn on the offline ChatKit stand-in.';
  }
});

function tick(): void {
  if (expiresAt === undefined) {
    expiresOutput.textContent = '–';
    return;
  }
  const seconds = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
  expiresOutput.textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}
setInterval(tick, 1000);

// --- account -----------------------------------------------------------------------------------
const signedIn = $('#signed-in');
const signedOut = $('#signed-out');

if (crossSite) {
  // `?credential-storage=session` (or local): where the widget keeps a bearer credential when this
  // browser refuses partitioned cookies (the default keeps it in memory: a reload asks again)
  const storage = new URLSearchParams(location.search).get('credential-storage');
  if (storage) widget.setAttribute('credential-storage', storage);
  widget.setAttribute('auth-url', `${server}/api/auth`);
  widget.setAttribute('api-url', `${server}/chatkit`);
  widget.removeAttribute('login-url');
  signedOut.hidden = true;
  $('#cross-site').hidden = false;
  $('#server').textContent = server;
  const signOutButton = $<HTMLButtonElement>('#embed-sign-out');
  const showSignOut = () => (signOutButton.hidden = widget.state !== 'ready' && widget.state !== 'retrying');
  new MutationObserver(showSignOut).observe(widget, { attributes: true, attributeFilter: ['state'] });
  signOutButton.addEventListener('click', () => void widget.signOut().catch(() => say('The server could not be reached.', true)));
} else {
  // Following the session atom (rather than asking once) also switches on the client's cross-tab
  // messages: a sign-out here reaches every other tab, this page's widget among them.
  auth.useSession.subscribe(({ data, isPending }) => {
    if (isPending) return;
    signedIn.hidden = !data;
    signedOut.hidden = !!data;
    $('#who').textContent = data?.user.name ?? '';
    $('#who-email').textContent = data ? `(${data.user.email})` : '';
  });
}

function say(text: string, isError = false): void {
  message.textContent = text;
  message.classList.toggle('error', isError);
}

/** Runs an auth action, then tells the widget the session changed. */
async function act(run: () => Promise<{ error: { message?: string; statusText?: string } | null }>, done: string) {
  say('…');
  try {
    const { error } = await run();
    if (error) {
      say(error.message || error.statusText || 'That did not work.', true);
      return;
    }
    say(done);
  } catch {
    say('The server could not be reached.', true);
    return;
  }
  await widget.refresh();
}

const field = (form: HTMLFormElement, name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;

$<HTMLFormElement>('#sign-up').addEventListener('submit', event => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  void act(
    () => auth.signUp.email({ name: field(form, 'name'), email: field(form, 'email'), password: field(form, 'password') }),
    'Account created: you are signed in.',
  );
});

$<HTMLFormElement>('#sign-in').addEventListener('submit', event => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  void act(() => auth.signIn.email({ email: field(form, 'email'), password: field(form, 'password') }), 'Signed in.');
});

$('#sign-out').addEventListener('click', () => void act(() => auth.signOut(), 'Signed out.'));

// Tabs: Sign up | Sign in
for (const tab of document.querySelectorAll<HTMLButtonElement>('[role=tab]')) {
  tab.addEventListener('click', () => {
    for (const other of document.querySelectorAll<HTMLButtonElement>('[role=tab]')) {
      const selected = other === tab;
      other.setAttribute('aria-selected', String(selected));
      $(`#${other.getAttribute('aria-controls')}`).hidden = !selected;
    }
  });
}

