// The hand-off page the widget's popup opens on the auth server (first-party there, so the user's
// own session cookie works even when the embedding site is another site). It signs the user in if
// needed, asks whether to continue to the embedding site, approves the element's sign-in attempt,
// then tells the opener at that EXACT origin (never '*') and closes. The message carries no secret:
// it only wakes the element, whose redeem needs the verifier it alone holds. Without an opener (a
// Cross-Origin-Opener-Policy severed it), the element finds the approval by polling. Its only script
// is the constant below, allowed by hash.

/** The message the page posts to its opener: `{ type, attempt }`. */
export const HANDOFF_MESSAGE_TYPE = 'auth-chatkit:approved';

/**
 * What the page's script reads from its JSON data block: the auth base path (same origin), the
 * embedding origin to post to, and the element's attempt id.
 */
interface PageData {
  base: string;
  origin: string;
  attempt: string;
}

// Plain JavaScript, run in the popup. Sign-in and sign-up use Better Auth's own endpoints; the attempt
// is approved only on "Continue".
const script = `(() => {
  const data = JSON.parse(document.getElementById('embed-data').textContent);
  const $ = id => document.getElementById(id);
  const say = text => { $('message').textContent = text; };
  const post = async (path, body) => {
    const response = await fetch(data.base + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), credentials: 'same-origin' });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(answer.message || answer.error || 'That did not work (' + response.status + ').');
    return answer;
  };
  $('cancel').addEventListener('click', () => window.close());
  const site = new URL(data.origin).host;
  // Said at load, before any password: a Cross-Origin-Opener-Policy severed the link back.
  // and the element is told, so that it keeps looking for the approval after this window reads closed
  if (!window.opener) post('/embed/severed', { attempt: data.attempt }).catch(() => {});
  if (!window.opener) say('This window lost its link to ' + site + ' (the sign-in server or its sign-in page sends a Cross-Origin-Opener-Policy header; the site owner should send Cross-Origin-Opener-Policy: unsafe-none there). You can still sign in: ' + site + ' picks it up when you continue.');
  const form = $('sign-in');
  if (form) {
    const toggle = $('toggle');
    toggle.addEventListener('click', () => {
      const signUp = $('name-field').hidden;
      $('name-field').hidden = !signUp;
      $('name').required = signUp;
      $('password').autocomplete = signUp ? 'new-password' : 'current-password';
      $('submit').textContent = signUp ? 'Create account' : 'Sign in';
      toggle.textContent = signUp ? 'I have an account' : 'Create an account';
    });
    form.addEventListener('submit', async event => {
      event.preventDefault();
      const signUp = !$('name-field').hidden;
      const fields = { email: $('email').value, password: $('password').value };
      if (signUp) fields.name = $('name').value;
      say('…');
      try {
        await post(signUp ? '/sign-up/email' : '/sign-in/email', fields);
        location.reload();
      } catch (error) {
        say(error.message);
      }
    });
    return;
  }
  const button = $('continue');
  if (!button) return;
  $('switch').addEventListener('click', async () => {
    await post('/sign-out', {}).catch(() => {});
    location.reload();
  });
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await post('/embed/approve', { origin: data.origin, attempt: data.attempt });
      if (window.opener) window.opener.postMessage({ type: '${HANDOFF_MESSAGE_TYPE}', attempt: data.attempt }, data.origin);
      else say('Signed in: return to ' + site + '.');
      window.close();
    } catch (error) {
      button.disabled = false;
      say(error.message);
    }
  });
})();`;

const style = `:root{color-scheme:light dark;font:16px/1.5 system-ui,sans-serif}
body{margin:0;display:grid;min-height:100vh;place-items:center;padding:1rem;box-sizing:border-box}
main{width:min(100%,24rem);display:grid;gap:.9rem}
h1{font-size:1.25rem;margin:0}p{margin:0}
form{display:grid;gap:.6rem}label{display:grid;gap:.2rem;font-size:.9rem}
input{font:inherit;padding:.45rem .6rem;border:1px solid #8c959f;border-radius:6px}
button{font:inherit;padding:.5rem 1rem;border-radius:6px;border:1px solid #0969da;background:#0969da;color:#fff;cursor:pointer}
button.quiet{background:none;color:inherit;border-color:#8c959f}
.row{display:flex;gap:.5rem;flex-wrap:wrap}.muted{color:#59636e;font-size:.9rem;overflow-wrap:anywhere}
[hidden]{display:none!important}`;

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return `'sha256-${btoa(String.fromCharCode(...new Uint8Array(digest)))}'`;
}

let policy: Promise<string> | undefined;

/** The page's Content-Security-Policy: its own script and style (by hash), requests to itself only. */
function contentSecurityPolicy(): Promise<string> {
  policy ??= Promise.all([sha256(script), sha256(style)]).then(
    ([scriptHash, styleHash]) =>
      `default-src 'none'; script-src ${scriptHash}; style-src ${styleHash}; connect-src 'self'; img-src data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'`,
  );
  return policy;
}

/**
 * Headers of every answer of the page. `Cross-Origin-Opener-Policy: unsafe-none` of its own: a
 * policy the server sends everywhere (helmet's `same-origin`) would sever `window.opener`, the fast
 * channel back to the embedding page (the sign-in still completes by polling, only slower).
 */
async function pageHeaders(csp: string): Promise<Record<string, string>> {
  return {
    'Cross-Origin-Opener-Policy': 'unsafe-none',
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': csp,
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
  };
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, char => `&#${char.charCodeAt(0)};`);

/** JSON inside a <script type="application/json"> block: nothing can close the element. */
const inlineJson = (value: unknown) => JSON.stringify(value).replace(/[<\u2028\u2029]/g, char => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);

function document(title: string, body: string, data?: PageData): string {
  const scripts = data
    ? `<script type="application/json" id="embed-data">${inlineJson(data)}</script><script>${script}</script>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${style}</style></head><body><main>${body}</main>${scripts}</body></html>`;
}

export interface HandoffPageInput extends PageData {
  appName: string;
  /** The signed-in user, if the auth server has a session; otherwise the sign-in form shows. */
  user?: { name: string; email: string };
  /** The site's own sign-in page, linked instead of the built-in form (with a callbackURL back). */
  signInUrl?: string;
}

/** The hand-off page for an allow-listed origin. */
export async function handoffPage(input: HandoffPageInput): Promise<Response> {
  const host = escapeHtml(new URL(input.origin).host);
  const app = escapeHtml(input.appName);
  const actions = `<p id="message" role="status" class="muted"></p>`;
  let body: string;
  if (input.user) {
    body = `<h1>Continue to chat</h1><p>Continue to chat on <strong>${host}</strong> as <strong>${escapeHtml(input.user.name)}</strong>?</p><p class="muted">${escapeHtml(input.user.email)}</p><div class="row"><button id="continue" type="button">Continue</button><button id="cancel" type="button" class="quiet">Cancel</button></div><button id="switch" type="button" class="quiet">Use another account</button>${actions}`;
  } else if (input.signInUrl) {
    const back = `${input.base}/embed?${new URLSearchParams({ origin: input.origin, attempt: input.attempt })}`;
    const link = `${input.signInUrl}${input.signInUrl.includes('?') ? '&' : '?'}${new URLSearchParams({ callbackURL: back })}`;
    body = `<h1>Sign in to ${app}</h1><p>to chat on <strong>${host}</strong>.</p><div class="row"><a href="${escapeHtml(link)}">Sign in</a><button id="cancel" type="button" class="quiet">Cancel</button></div>${actions}`;
  } else {
    body = `<h1>Sign in to ${app}</h1><p>to chat on <strong>${host}</strong>.</p><form id="sign-in"><label id="name-field" hidden>Name <input id="name" autocomplete="name"></label><label>Email <input id="email" type="email" autocomplete="email" required></label><label>Password <input id="password" type="password" autocomplete="current-password" minlength="8" required></label><div class="row"><button id="submit" type="submit">Sign in</button><button id="cancel" type="button" class="quiet">Cancel</button></div></form><button id="toggle" type="button" class="quiet">Create an account</button>${actions}`;
  }
  const title = input.user ? `Continue to chat on ${new URL(input.origin).host}` : `Sign in to ${input.appName}`;
  const page = document(title, body, { base: input.base, origin: input.origin, attempt: input.attempt });
  return new Response(page, { status: 200, headers: await pageHeaders(await contentSecurityPolicy()) });
}

/** A refusal (an origin not allow-listed, a missing attempt): 400, and no script at all. */
export async function refusalPage(message: string): Promise<Response> {
  const body = `<h1>Sign-in not available</h1><p>${escapeHtml(message)}</p>`;
  return new Response(document('Sign-in not available', body), {
    status: 400,
    headers: await pageHeaders(`default-src 'none'; style-src ${await sha256(style)}; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`),
  });
}
