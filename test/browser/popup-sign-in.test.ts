import { expect } from '@open-wc/testing';
import sinon from 'sinon';
import { bearerCredential, signInAcrossSites } from '../../src/embed-session.js';
import type { AuthChatKitError } from '../../src/errors.js';
import { signInWithPopup, type PopupHost } from '../../src/popup-sign-in.js';

const authUrl = 'https://auth.example.test/api/auth';
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
  const nonce = () => new URL(opened[0]!.url).searchParams.get('nonce')!;
  const post = (message: Partial<{ origin: string; source: unknown; data: unknown }>) => {
    const event = { origin: 'https://auth.example.test', source: popup, data: { type: 'auth-chatkit:code', nonce: nonce(), code: 'the-code' }, ...message };
    for (const listener of [...listeners]) listener(event as MessageEvent);
  };
  return { host: host as unknown as PopupHost, popup, opened, listeners, post, nonce };
}

/** Whether `promise` has settled by now (after pending microtasks). */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(() => (done = true), () => (done = true));
  await new Promise(resolve => setTimeout(resolve, 0));
  return done;
}

describe('signInWithPopup', () => {
  it('opens the hand-off page with the page origin and a fresh nonce, never a code or token in the URL', () => {
    const { host, opened } = fakeHost();
    void signInWithPopup(authUrl, host);
    void signInWithPopup(authUrl, host);
    const [first, second] = opened.map(({ url }) => new URL(url));
    expect(first!.origin + first!.pathname).to.equal(`${authUrl}/embed`);
    expect(first!.searchParams.get('origin')).to.equal(pageOrigin);
    expect([...first!.searchParams.keys()]).to.deep.equal(['origin', 'nonce']);
    expect(first!.searchParams.get('nonce')).to.match(/^[\w-]{16,}$/);
    expect(first!.searchParams.get('nonce')).to.not.equal(second!.searchParams.get('nonce'));
    expect(opened[0]!.features).to.contain('popup');
  });

  it('resolves the code of a message from the auth origin, from its popup, of its type, with its nonce', async () => {
    const { host, post, listeners } = fakeHost();
    const code = signInWithPopup(authUrl, host);
    post({});
    expect(await code).to.equal('the-code');
    expect(listeners.size, 'stops listening').to.equal(0);
  });

  const forgeries: [string, (nonce: string) => Partial<{ origin: string; source: unknown; data: unknown }>][] = [
    ['another origin (the page itself)', () => ({ origin: pageOrigin })],
    ['a look-alike origin', () => ({ origin: 'https://auth.example.test.evil.example' })],
    ['another window', () => ({ source: {} })],
    ['no window (a worker, a port)', () => ({ source: null })],
    ['another nonce', () => ({ data: { type: 'auth-chatkit:code', nonce: 'nonce-of-another-attempt', code: 'attacker-code' } })],
    ['another type', nonce => ({ data: { type: 'auth-chatkit:token', nonce, code: 'x' } })],
    ['no code', nonce => ({ data: { type: 'auth-chatkit:code', nonce } })],
    ['a string', () => ({ data: 'auth-chatkit:code' })],
  ];
  for (const [what, forge] of forgeries) {
    it(`ignores a message with ${what}`, async () => {
      const { host, post, nonce } = fakeHost();
      const code = signInWithPopup(authUrl, host);
      post(forge(nonce()));
      expect(await settled(code)).to.equal(false);
      post({});
      expect(await code).to.equal('the-code');
    });
  }

  it('rejects with popup-blocked when the browser blocked the popup', async () => {
    const { host } = fakeHost({ blocked: true });
    const error = (await signInWithPopup(authUrl, host).catch((reason: AuthChatKitError) => reason)) as AuthChatKitError;
    expect(error.code).to.equal('popup-blocked');
    expect(error.message).to.equal('Allow pop-ups for this site to sign in.');
  });

  it('rejects with popup-closed when the popup is closed without finishing, and stops watching', async () => {
    const clock = sinon.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const { host, popup, listeners } = fakeHost();
      const code = signInWithPopup(authUrl, host);
      await clock.tickAsync(2_000);
      expect(await settled(code)).to.equal(false);
      popup.closed = true;
      await clock.tickAsync(500);
      const error = await code.catch((reason: AuthChatKitError) => reason);
      expect((error as AuthChatKitError).code).to.equal('popup-closed');
      expect(listeners.size).to.equal(0);
      expect(clock.countTimers()).to.equal(0);
    } finally {
      clock.restore();
    }
  });
});

describe('signInAcrossSites', () => {
  afterEach(() => sessionStorage.clear());

  function server(redeemAnswer: () => Response) {
    const requests: Request[] = [];
    const send: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      requests.push(request);
      return request.url.endsWith('/embed/probe') ? Response.json({ ok: true }) : redeemAnswer();
    };
    return { requests, send };
  }

  async function signIn(answer: () => Response, storage: 'memory' | 'session' | 'local' = 'session') {
    const { host, post } = fakeHost();
    const credential = bearerCredential(`${authUrl}/${Math.random()}`, storage);
    const { requests, send } = server(answer);
    const done = signInAcrossSites(authUrl, credential, host, send);
    await new Promise(resolve => setTimeout(resolve, 0));
    post({});
    return { done, credential, requests };
  }

  it('probes for partitioned cookies while the user signs in, then redeems the code with credentials', async () => {
    const { done, credential, requests } = await signIn(() => Response.json({ credential: 'cookie' }));
    await done;
    expect(requests.map(request => `${request.method} ${request.url}`)).to.deep.equal([`GET ${authUrl}/embed/probe`, `POST ${authUrl}/embed/redeem`]);
    expect(requests.every(request => request.credentials === 'include')).to.equal(true);
    expect(await requests[1]!.json()).to.deep.equal({ code: 'the-code' });
    expect(credential.get(), 'a partitioned cookie: nothing kept by the page').to.equal(undefined);
  });

  it('keeps a bearer credential where credential-storage says', async () => {
    const { done, credential } = await signIn(() => Response.json({ credential: 'bearer', token: 'signed.session' }), 'session');
    await done;
    expect(credential.get()).to.equal('signed.session');
    expect(Object.values(sessionStorage)).to.include('signed.session');
    credential.clear();
    expect(credential.get()).to.equal(undefined);
    expect(Object.values(sessionStorage)).to.not.include('signed.session');
  });

  for (const [what, answer] of [
    ['bearer without a token', () => Response.json({ credential: 'bearer' })],
    ['an unknown credential', () => Response.json({ credential: 'magic' })],
    ['HTML', () => new Response('<html>oops</html>')],
    ['a refusal', () => Response.json({ code: 'INVALID_CODE', message: 'The sign-in code is unknown, used or expired: sign in again.' }, { status: 400 })],
  ] as const) {
    it(`a redeem answer with ${what} is a readable bad-response error`, async () => {
      const { done, credential } = await signIn(answer);
      const error = await done.then(() => undefined, (reason: AuthChatKitError) => reason);
      expect(error?.code).to.equal('bad-response');
      expect(error?.message).to.match(/^The sign-in server could not complete the sign-in: /);
      expect(credential.get()).to.equal(undefined);
    });
  }
});
