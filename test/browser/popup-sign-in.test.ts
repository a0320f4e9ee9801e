import { expect } from '@open-wc/testing';
import sinon from 'sinon';
import { bearerCredential, resumeSignIn, signInAcrossSites } from '../../src/embed-session.js';
import type { AuthChatKitError } from '../../src/errors.js';
import { waitFor } from './support/time.js';
import { awaitApproval, openSignInPopup, POLL_MS, type PopupHost } from '../../src/popup-sign-in.js';

const authUrl = 'https://auth.example.test/api/auth';
const authOrigin = 'https://auth.example.test';
const pageOrigin = 'https://docs.example.test';

/** A window seam: records the popup it opened and lets the test post messages as any sender. */
function fakeHost({ blocked = false } = {}) {
  const listeners = new Set<(event: MessageEvent) => void>();
  const popup = { closed: false };
  const opened: { url: string; name: string; features: string }[] = [];
  const host = {
    location: { origin: pageOrigin },
    open: (url: string, name: string, features: string) => {
      opened.push({ url, name, features });
      return blocked ? null : popup;
    },
    addEventListener: (_type: string, listener: (event: MessageEvent) => void) => listeners.add(listener),
    removeEventListener: (_type: string, listener: (event: MessageEvent) => void) => listeners.delete(listener),
    setInterval: (callback: () => void, ms: number) => setInterval(callback, ms),
    clearInterval: (handle: number) => clearInterval(handle),
  };
  const attempt = () => new URL(opened[0]!.url).searchParams.get('attempt')!;
  const post = (message: Partial<{ origin: string; data: unknown }> = {}) => {
    const event = { origin: authOrigin, data: { type: 'auth-chatkit:approved', attempt: attempt() }, ...message };
    for (const listener of [...listeners]) listener(event as MessageEvent);
  };
  return { host: host as unknown as PopupHost, popup, opened, listeners, post, attempt };
}

const s256 = async (verifier: string) =>
  btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)))))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

describe('openSignInPopup', () => {
  it('opens the hand-off page with the page origin and the attempt id, never a secret in the URL', () => {
    const { host, opened } = fakeHost();
    openSignInPopup(authUrl, 'attempt-1', host);
    const url = new URL(opened[0]!.url);
    expect(url.origin + url.pathname).to.equal(`${authUrl}/embed`);
    expect([...url.searchParams]).to.deep.equal([['origin', pageOrigin], ['attempt', 'attempt-1']]);
    expect(opened[0]!.features).to.contain('popup');
  });

  it('throws popup-blocked when the browser blocked the popup', () => {
    const { host } = fakeHost({ blocked: true });
    expect(() => openSignInPopup(authUrl, 'a', host)).to.throw('Allow pop-ups for this site to sign in.').with.property('code', 'popup-blocked');
  });
});

describe('awaitApproval', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] })));
  afterEach(() => clock.restore());

  /** `answers`: what the server says at each check: the credential, 'severed' (pending, the popup lost its opener), or pending. */
  function approval({ popup = true as boolean, answers = [] as (string | undefined)[] } = {}) {
    const seam = fakeHost();
    const opened = popup ? openSignInPopup(authUrl, 'the-attempt', seam.host) : undefined;
    const checks: number[] = [];
    const severed = sinon.spy();
    const done = awaitApproval(
      { authUrl, attempt: 'the-attempt', expiresAt: Date.now() + 60_000, popup: opened, onSevered: severed, check: async () => {
          checks.push(Date.now());
          const answer = answers.shift();
          return answer === undefined || answer === 'severed' ? { severed: answer === 'severed' } : { value: answer };
        } },
      seam.host,
    );
    // its rejection is read after the clock ticks: handled from the start
    const outcome = done.catch((error: AuthChatKitError) => error);
    return { ...seam, done, outcome, checks, severed };
  }

  it('checks at once on the popup’s message, and only for a message of its origin, type and attempt', async () => {
    const { post, done, checks, listeners } = approval({ answers: ['credential'] });
    post({ origin: pageOrigin });
    post({ origin: 'https://auth.example.test.evil.example' });
    post({ data: { type: 'auth-chatkit:approved', attempt: 'another-attempt' } });
    post({ data: { type: 'auth-chatkit:code', attempt: 'the-attempt' } });
    post({ data: 'auth-chatkit:approved' });
    expect(checks).to.have.length(0);
    post();
    expect(await done).to.equal('credential');
    expect(listeners.size, 'stops listening').to.equal(0);
    expect(clock.countTimers()).to.equal(0);
  });

  it('a popup the user closed: looked for 4 s more (its page may report a lost opener), then popup-closed', async () => {
    const { popup, outcome, checks, severed } = approval();
    await clock.tickAsync(3_000);
    expect(checks, 'no polling while the popup can message').to.have.length(0);
    popup.closed = true;
    await clock.tickAsync(500);
    expect(checks, 'one look at once').to.have.length(1);
    await clock.tickAsync(4_000);
    expect(await outcome).to.have.property('code', 'popup-closed');
    expect(checks).to.have.length(3);
    expect(severed.called).to.equal(false);
  });

  it('a popup that reads closed later because its page lost the opener (a sign-in page with COOP): polled on until approved', async () => {
    const { popup, done, severed } = approval({ answers: ['severed', undefined, undefined, undefined, 'credential'] });
    await clock.tickAsync(3_000);
    popup.closed = true;
    await clock.tickAsync(500);
    expect(severed.callCount, 'the server says the page had no opener').to.equal(1);
    await clock.tickAsync(8 * POLL_MS);
    expect(await done).to.equal('credential');
  });

  it('a popup that reads closed at once has no opener (COOP): told once, then polled every 2 s until approved', async () => {
    const { popup, done, checks, severed } = approval({ answers: [undefined, undefined, 'credential'] });
    popup.closed = true;
    await clock.tickAsync(500);
    expect(severed.callCount).to.equal(1);
    await clock.tickAsync(3 * POLL_MS);
    expect(await done).to.equal('credential');
    expect(checks.map((at, index) => at - (checks[index - 1] ?? at - POLL_MS))).to.deep.equal([POLL_MS, POLL_MS, POLL_MS]);
  });

  it('without a popup (a reload), it polls; an attempt past its end rejects sign-in-expired', async () => {
    const { outcome, checks } = approval({ popup: false });
    await clock.tickAsync(60_500);
    expect(await outcome).to.have.property('code', 'sign-in-expired');
    expect(checks.length).to.be.within(28, 30);
  });
});

describe('signInAcrossSites', () => {
  afterEach(() => sessionStorage.clear());

  /** An auth server that checks the verifier against the registered challenge, as the plugin does. */
  function server(redeemAnswer: () => Response) {
    const requests: { url: string; body: Record<string, string>; credentials: RequestCredentials }[] = [];
    let challenge: string | undefined;
    const send: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      if (request.url.endsWith('/embed/probe')) {
        requests.push({ url: request.url, body: {}, credentials: request.credentials });
        return Response.json({ ok: true });
      }
      const body = (await request.json()) as Record<string, string>;
      requests.push({ url: request.url, body, credentials: request.credentials });
      if (request.url.endsWith('/embed/attempt')) {
        challenge = body.challenge;
        return Response.json({ expiresIn: 1800 });
      }
      if ((await s256(body.verifier!)) !== challenge) return Response.json({ code: 'INVALID_ATTEMPT', message: 'wrong verifier' }, { status: 400 });
      return redeemAnswer();
    };
    return { requests, send };
  }

  async function signIn(answer: () => Response, storage: 'memory' | 'session' | 'local' = 'session') {
    const { host, post, attempt } = fakeHost();
    const credential = bearerCredential(`${authUrl}/${Math.random()}`, storage);
    const { requests, send } = server(answer);
    const done = signInAcrossSites(authUrl, credential, { host, send });
    // registered (and listening) once the attempt waits in sessionStorage
    await waitFor(() => sessionStorage.getItem(`auth-chatkit:sign-in:${authUrl}`) !== null);
    return { done, credential, requests, post, attempt };
  }

  it('probes for partitioned cookies, then registers the attempt with the S256 challenge of a verifier it sends only with the redeem', async () => {
    const { done, credential, requests, post, attempt } = await signIn(() => Response.json({ credential: 'cookie' }));
    const pending = JSON.parse(sessionStorage.getItem(`auth-chatkit:sign-in:${authUrl}`)!) as Record<string, unknown>;
    expect(Object.keys(pending).sort(), 'while pending: the attempt id and verifier, never a token').to.deep.equal(['expiresAt', 'id', 'verifier']);
    post();
    await done;
    expect(requests.map(request => request.url)).to.deep.equal([`${authUrl}/embed/probe`, `${authUrl}/embed/attempt`, `${authUrl}/embed/redeem`]);
    expect(requests.every(request => request.credentials === 'include'), 'the probe cookie goes back with the registration').to.equal(true);
    const [, registered, redeemed] = requests;
    expect(registered!.body.attempt).to.equal(attempt());
    expect(attempt()).to.match(/^[\w-]{43}$/);
    expect(registered!.body).to.not.have.property('verifier');
    expect(redeemed!.body).to.deep.equal({ attempt: attempt(), verifier: pending.verifier });
    expect(await s256(redeemed!.body.verifier!)).to.equal(registered!.body.challenge);
    expect(credential.get(), 'a partitioned cookie: nothing kept by the page').to.equal(undefined);
    expect(sessionStorage.length, 'the attempt is gone once redeemed').to.equal(0);
  });

  it('keeps a bearer credential where credential-storage says', async () => {
    const { done, credential, post } = await signIn(() => Response.json({ credential: 'bearer', token: 'the-credential' }), 'session');
    post();
    await done;
    expect(credential.get()).to.equal('the-credential');
    expect(Object.values(sessionStorage)).to.deep.equal(['the-credential']);
  });

  it('a reload finishes the attempt this tab started: resumeSignIn redeems it', async () => {
    const first = await signIn(() => Response.json({ credential: 'bearer', token: 'after-reload' }), 'memory');
    void first.done.catch(() => {});
    const credential = bearerCredential(`${authUrl}/${Math.random()}`, 'memory');
    const { host, post } = fakeHost();
    // the new page: no popup of its own; the popup (still open) posts to it
    const resumed = resumeSignIn(authUrl, credential, { host, send: async (_input, init) => {
      const body = JSON.parse(String(init!.body)) as Record<string, string>;
      expect(body.attempt).to.equal(first.attempt());
      return Response.json({ credential: 'bearer', token: 'after-reload' });
    } });
    (host as unknown as { open: PopupHost['open'] }).open(`${authUrl}/embed?attempt=${first.attempt()}`, '', '');
    post();
    expect(await resumed).to.equal(true);
    expect(credential.get()).to.equal('after-reload');
    expect(await resumeSignIn(authUrl, credential, { host }), 'nothing pending any more').to.equal(false);
  });

  for (const [what, answer, code] of [
    ['bearer without a token', () => Response.json({ credential: 'bearer' }), 'bad-response'],
    ['an unknown credential', () => Response.json({ credential: 'magic' }), 'bad-response'],
    ['HTML', () => new Response('<html>oops</html>'), 'bad-response'],
    ['a refusal', () => Response.json({ code: 'PARTITIONED_COOKIES_REQUIRED', message: 'This browser keeps no partitioned cookies.' }, { status: 403 }), 'sign-in-refused'],
  ] as const) {
    it(`a redeem answer with ${what} is a readable ${code} error`, async () => {
      const { done, credential, post } = await signIn(answer);
      post();
      const error = await done.then(() => undefined, (reason: AuthChatKitError) => reason);
      expect(error?.code).to.equal(code);
      expect(error?.message).to.match(/^The sign-in server could not complete the sign-in: /);
      expect(credential.get()).to.equal(undefined);
      expect(sessionStorage.length).to.equal(0);
    });
  }
});
