import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import sinon from 'sinon';
import '../../src/define.js';
import type { AuthChatKit } from '../../src/auth-chatkit.js';
import { AuthChatKit as AuthChatKitClass } from '../../src/auth-chatkit.js';
import { fakeChatKitSrc, type FakeChatKit } from './support/fake-chatkit.js';
import { FakeNetwork } from './support/fake-network.js';
import { advance, realTasks, waitFor } from './support/time.js';

const minute = 60_000;

describe('<auth-chatkit>', () => {
  let network: FakeNetwork;
  let events: CustomEvent[];
  const recordEvents = (el: EventTarget) => {
    for (const type of ['auth-chatkit-ready', 'auth-chatkit-token', 'auth-chatkit-signed-out', 'auth-chatkit-error']) {
      el.addEventListener(type, event => events.push(event as CustomEvent));
    }
  };
  const eventsOf = (type: string) => events.filter(event => event.type === type);

  async function mount(attributes: Record<string, string> = {}): Promise<AuthChatKit> {
    const el = document.createElement('auth-chatkit');
    const all = { 'auth-url': network.authUrl, 'api-url': network.apiUrl, 'chatkit-src': fakeChatKitSrc, ...attributes };
    for (const [name, value] of Object.entries(all)) el.setAttribute(name, value);
    recordEvents(el);
    return fixture(el);
  }

  const ready = async (el: AuthChatKit) => waitFor(() => el.state === 'ready');
  const chatkitOf = (el: AuthChatKit) => el.chatkit as FakeChatKit;

  beforeEach(() => {
    network = new FakeNetwork().install();
    events = [];
  });

  afterEach(() => network.restore());

  describe('lifecycle', () => {
    it('goes from loading to ready: one token request, ChatKit mounted in its shadow root', async () => {
      network.auth.reply(async () => {
        await new Promise(resolve => setTimeout(resolve, 50));
        return Response.json({ token: network.auth.token() });
      });
      const el = await mount();
      expect(el.state).to.equal('loading');
      expect(el.getAttribute('state')).to.equal('loading');
      expect(el.shadowRoot!.textContent).to.contain('Loading chat');
      const loadingBox = el.getBoundingClientRect();
      await ready(el);
      const readyBox = el.getBoundingClientRect();
      expect([readyBox.width, readyBox.height], 'no layout jump when ChatKit appears').to.deep.equal([loadingBox.width, loadingBox.height]);
      expect(loadingBox.height).to.equal(600);
      expect(el.getAttribute('state')).to.equal('ready');
      expect(network.auth.requests).to.have.length(1);
      expect(el.chatkit?.localName).to.equal('openai-chatkit');
      expect(el.shadowRoot!.contains(el.chatkit)).to.equal(true);
      expect(eventsOf('auth-chatkit-ready')).to.have.length(1);
      const [tokenEvent] = eventsOf('auth-chatkit-token');
      expect(tokenEvent?.detail.expiresAt).to.be.closeTo(Date.now() + 899_000, 5_000);
      expect(Object.keys(tokenEvent?.detail ?? {})).to.deep.equal(['expiresAt']);
    });

    it('fires its events bubbling and composed', async () => {
      const el = await mount();
      const event = await oneEvent(el, 'auth-chatkit-ready');
      expect(event.bubbles).to.equal(true);
      expect(event.composed).to.equal(true);
    });

    it('shows signed-out (with a sign-in link to login-url) on 401, and fires the event', async () => {
      network.auth.always(401);
      const el = await mount({ 'login-url': '/sign-in', 'sign-in-mode': 'cookie' });
      await waitFor(() => el.state === 'signed-out');
      expect(el.chatkit).to.equal(null);
      const link = el.shadowRoot!.querySelector('a[part=sign-in]') as HTMLAnchorElement;
      expect(link.href).to.equal(new URL('/sign-in', location.href).href);
      expect(eventsOf('auth-chatkit-signed-out')).to.have.length(1);
      expect(eventsOf('auth-chatkit-error')).to.have.length(0);
    });

    describe('on another site than the auth server', () => {
      let open: sinon.SinonStub;
      let popup: { closed: boolean };
      beforeEach(() => {
        popup = { closed: false };
        open = sinon.stub(window, 'open').callsFake(() => popup as unknown as Window);
      });
      afterEach(() => open.restore());

      const signInButton = (el: AuthChatKit) => el.shadowRoot!.querySelector('button[part=sign-in]') as HTMLButtonElement | null;
      const postCode = (nonce: string) =>
        window.dispatchEvent(new MessageEvent('message', { origin: new URL(network.authUrl).origin, data: { type: 'auth-chatkit:code', nonce, code: 'c0de' } }));

      it('offers a Sign in button that opens the hand-off popup at once, in the click', async () => {
        network.auth.always(401);
        const el = await mount({ 'login-url': '/sign-in' });
        await waitFor(() => el.state === 'signed-out');
        expect(el.shadowRoot!.querySelector('a[part=sign-in]'), 'the popup, not the same-site link').to.equal(null);
        signInButton(el)!.click();
        expect(open.callCount, 'synchronously in the click handler').to.equal(1);
        const url = new URL(open.firstCall.args[0] as string);
        expect(`${url.origin}${url.pathname}`).to.equal(`${network.authUrl}/embed`);
        expect(url.searchParams.get('origin')).to.equal(location.origin);
      });

      it('a blocked popup: "Allow pop-ups for this site", and auth-chatkit-error popup-blocked', async () => {
        open.returns(null);
        network.auth.always(401);
        const el = await mount();
        await waitFor(() => el.state === 'signed-out');
        signInButton(el)!.click();
        await waitFor(() => eventsOf('auth-chatkit-error').length === 1);
        expect(eventsOf('auth-chatkit-error')[0]!.detail).to.deep.equal({ code: 'popup-blocked', message: 'Allow pop-ups for this site to sign in.' });
        await el.updateComplete;
        expect(el.shadowRoot!.querySelector('[part=status] [role=alert]')!.textContent).to.equal('Allow pop-ups for this site to sign in.');
        expect(el.state).to.equal('signed-out');

        signInButton(el)!.click(); // another attempt, blocked again: reported again
        await waitFor(() => eventsOf('auth-chatkit-error').length === 2);
        open.returns(popup as unknown as Window); // allowed now: the old message goes at once
        signInButton(el)!.click();
        await el.updateComplete;
        expect(el.shadowRoot!.querySelector('[part=status] [role=alert]')).to.equal(null);
      });

      it('a popup closed without finishing: back to signed-out, no error', async () => {
        const clock = sinon.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
        try {
          network.auth.always(401);
          const el = await mount();
          await waitFor(() => el.state === 'signed-out');
          signInButton(el)!.click();
          popup.closed = true;
          await clock.tickAsync(600);
          await el.updateComplete;
          expect(el.state).to.equal('signed-out');
          expect(eventsOf('auth-chatkit-error')).to.have.length(0);
          expect(signInButton(el)).to.not.equal(null);
        } finally {
          clock.restore();
        }
      });

      it('the code posted by the popup is redeemed; a bearer credential then gets the token: ready', async () => {
        let redeemed: Request | undefined;
        network.auth.always(async request => {
          if (request.url.endsWith('/embed/probe')) return Response.json({ ok: true });
          if (request.url.endsWith('/embed/redeem')) {
            redeemed = request.clone();
            return Response.json({ credential: 'bearer', token: 'signed.credential' });
          }
          return request.headers.get('Authorization') === 'Bearer signed.credential'
            ? Response.json({ token: network.auth.token() })
            : Response.json({ code: 'UNAUTHORIZED' }, { status: 401 });
        });
        const el = await mount({ 'sign-in-mode': 'popup', 'credential-storage': 'memory' });
        await waitFor(() => el.state === 'signed-out');
        signInButton(el)!.click();
        const nonce = new URL(open.firstCall.args[0] as string).searchParams.get('nonce')!;
        window.postMessage({ type: 'auth-chatkit:code', nonce, code: 'forged' }, '*'); // the page itself: ignored
        postCode('another-attempt-nonce'); // not this attempt: ignored
        postCode(nonce); // source is not the popup (a MessageEvent made here has no source): ignored
        await realTasks();
        expect(redeemed).to.equal(undefined);
        // the genuine message: from the auth origin, from the popup
        const genuine = new MessageEvent('message', { origin: new URL(network.authUrl).origin, data: { type: 'auth-chatkit:code', nonce, code: 'c0de' } });
        Object.defineProperty(genuine, 'source', { value: popup });
        window.dispatchEvent(genuine);
        await ready(el);
        expect(await redeemed!.json()).to.deep.equal({ code: 'c0de' });
        expect(sessionStorage.length + localStorage.length, 'memory: nothing stored').to.equal(0);
        expect(el.outerHTML).to.not.contain('signed.credential');

        const signOuts: Request[] = [];
        network.auth.always(request => (signOuts.push(request), Response.json({ success: true })));
        await el.signOut();
        expect(el.state).to.equal('signed-out');
        expect(signOuts.map(request => `${request.method} ${request.url} ${request.headers.get('Authorization')}`)).to.deep.equal([
          `POST ${network.authUrl}/embed/sign-out Bearer signed.credential`,
        ]);
        network.auth.always(401);
        await el.refresh();
        expect(network.auth.requests.at(-1)!.headers.get('Authorization'), 'the credential is gone').to.equal(null);
      });
    });

    it("signOut() on the auth server's own site: Better Auth's sign-out, then signed-out", async () => {
      const el = await mount({ 'sign-in-mode': 'cookie' });
      await ready(el);
      network.auth.always(request => (request.url.endsWith('/sign-out') ? Response.json({ success: true }) : Response.json({}, { status: 401 })));
      await el.signOut();
      expect(el.state).to.equal('signed-out');
      const request = network.auth.requests.find(candidate => candidate.url.endsWith('/sign-out'))!;
      expect(request.method).to.equal('POST');
      expect(request.credentials).to.equal('include');
      expect(request.headers.get('Content-Type')).to.equal('application/json');
      expect(el.chatkit).to.equal(null);
    });

    it('goes ready -> signed-out -> ready through refresh() (the page signed out, then in)', async () => {
      const el = await mount();
      await ready(el);
      network.auth.always(401);
      await el.refresh();
      expect(el.state).to.equal('signed-out');
      expect(el.chatkit, 'the previous user\'s chat is unmounted').to.equal(null);
      network.auth.always('token');
      await el.refresh();
      await ready(el);
      expect(eventsOf('auth-chatkit-ready')).to.have.length(2);
      expect(eventsOf('auth-chatkit-signed-out')).to.have.length(1);
    });

    it('shows retrying while the sign-in server fails, keeps the chat, and recovers', async () => {
      const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      try {
        const el = await mount();
        await waitFor(() => el.state === 'ready');
        const chat = el.chatkit;
        network.auth.always(503);
        await advance(clock, 13 * minute);
        expect(el.state).to.equal('retrying');
        expect(el.chatkit, 'chat stays while the token lasts').to.equal(chat);
        const notice = el.shadowRoot!.querySelector('[part=notice]') as HTMLElement;
        expect(notice.hidden).to.equal(false);
        expect(notice.textContent).to.contain('Retrying');
        const response = await chatkitOf(el).request('threads.list', { limit: 20 });
        expect(response.status).to.equal(200);
        expect(eventsOf('auth-chatkit-error').map(event => event.detail.code)).to.deep.equal(['server']);
        network.auth.always('token');
        await advance(clock, 61_000);
        expect(el.state).to.equal('ready');
        expect(notice.hidden).to.equal(true);
        expect(eventsOf('auth-chatkit-ready'), 'recovering is not a new ready').to.have.length(1);
      } finally {
        clock.restore();
      }
    });

    it('shows retrying without a chat when the first token cannot be fetched', async () => {
      network.auth.always('network-error');
      const el = await mount();
      await waitFor(() => el.state === 'retrying');
      expect(el.chatkit).to.equal(null);
      expect(el.shadowRoot!.querySelector('[part=status]')!.textContent).to.contain('Retrying');
    });

    it('offers "Try again" while retrying with no token; a click tries at once', async () => {
      network.auth.always(503);
      const el = await mount();
      await waitFor(() => el.state === 'retrying');
      const button = el.shadowRoot!.querySelector('[part=status] button[part=retry]') as HTMLButtonElement;
      expect(button.textContent).to.equal('Try again');
      network.auth.always('token');
      const before = network.auth.requests.length;
      button.click();
      await ready(el);
      expect(network.auth.requests.length).to.equal(before + 1);
    });

    it('says a token lives too short to use rather than that it expired', async () => {
      network.auth.lifetimeSeconds = 1;
      const el = await mount();
      await waitFor(() => el.state === 'error');
      expect(el.shadowRoot!.querySelector('[role=alert]')!.textContent).to.equal("The token's lifetime (1 s) is too short to use.");
      expect(eventsOf('auth-chatkit-error')[0]?.detail.code).to.equal('token-expired');
    });

    it('an atomic move (moveBefore) keeps ChatKit, its options and the token: nothing restarts', async () => {
      const el = await mount();
      await ready(el);
      const chat = chatkitOf(el);
      const target = document.createElement('div');
      document.body.append(target);
      try {
        // Chromium 133+; TypeScript 5.9's DOM types do not have it yet
        (target as unknown as { moveBefore(node: Node, child: Node | null): void }).moveBefore(el, null);
        await el.updateComplete;
        await realTasks();
        expect(el.parentElement).to.equal(target);
        expect(el.state).to.equal('ready');
        expect(el.chatkit).to.equal(chat);
        expect(chat.optionsHistory).to.have.length(1);
        expect(network.auth.requests).to.have.length(1);
        expect(eventsOf('auth-chatkit-ready')).to.have.length(1);
      } finally {
        target.remove();
      }
    });

    it('after a plain remove and append, ChatKit reopens the thread that was shown', async () => {
      const el = await mount();
      await ready(el);
      chatkitOf(el).emit('chatkit.thread.change', { threadId: 'thr_shown' });
      const parent = el.parentElement!;
      el.remove();
      parent.append(el);
      await ready(el);
      expect(chatkitOf(el).options.initialThread).to.equal('thr_shown');
      chatkitOf(el).emit('chatkit.thread.change', { threadId: null }); // a new chat
      el.remove();
      parent.append(el);
      await ready(el);
      expect(chatkitOf(el).options.initialThread).to.equal(null);
    });

    it('shows an error with "Try again" for an unusable token answer, and recovers on click', async () => {
      network.auth.always(() => new Response('<html>proxy error</html>'));
      const el = await mount();
      await waitFor(() => el.state === 'error');
      const alert = el.shadowRoot!.querySelector('[role=alert]')!;
      expect(alert.textContent).to.contain('sent no token');
      expect(eventsOf('auth-chatkit-error')[0]?.detail.code).to.equal('bad-response');
      (el.shadowRoot!.querySelector('button[part=retry]') as HTMLButtonElement).click();
      await waitFor(() => eventsOf('auth-chatkit-error').length === 2); // trying again and failing again is reported again
      network.auth.always('token');
      (el.shadowRoot!.querySelector('button[part=retry]') as HTMLButtonElement).click();
      await ready(el);
    });

    it('disconnect leaves nothing running; reconnecting works', async () => {
      const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      try {
        const el = await mount();
        await waitFor(() => el.state === 'ready');
        const parent = el.parentElement!;
        el.remove();
        expect(clock.countTimers(), 'no refresh timer left').to.equal(0);
        expect(el.chatkit).to.equal(null);
        const before = network.auth.requests.length;
        await advance(clock, 60 * minute, 60_000);
        expect(network.auth.requests.length, 'no requests after disconnect').to.equal(before);
        parent.append(el);
        await waitFor(() => el.state === 'ready');
        expect(el.chatkit).to.not.equal(null);
        expect(clock.countTimers()).to.equal(1);
      } finally {
        clock.restore();
      }
    });

    it('three elements on one page: one token request per refresh', async () => {
      const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      try {
        const els = await Promise.all([mount(), mount(), mount()]);
        await waitFor(() => els.every(el => el.state === 'ready'));
        expect(network.auth.requests).to.have.length(1);
        await advance(clock, 50 * minute, 5_000);
        // 0, then about every 12 minutes: each request is one refresh, shared by all three
        expect(network.auth.requests.length).to.be.within(4, 5);
        expect(network.auth.issued).to.equal(network.auth.requests.length);
        expect(eventsOf('auth-chatkit-token')).to.have.length(3 * network.auth.issued);
      } finally {
        clock.restore();
      }
    });

    it('never puts the token in the DOM, attributes or events', async () => {
      const el = await mount();
      await ready(el);
      const token = (await network.auth.fetch(`${network.authUrl}/token`).then(r => r.json())).token as string;
      const signature = token.split('.')[1]!.slice(0, 12);
      const payloads = [el.outerHTML, el.shadowRoot!.innerHTML, JSON.stringify(events.map(event => event.detail))];
      for (const text of payloads) expect(text).to.not.contain(signature);
      expect([...el.attributes].map(attr => attr.value).join(' ')).to.not.contain('eyJ');
    });

    it('uses a tokenProvider instead of auth-url', async () => {
      const provider = sinon.stub().resolves(network.auth.token());
      const el = document.createElement('auth-chatkit');
      el.apiUrl = network.apiUrl;
      el.chatkitSrc = fakeChatKitSrc;
      el.tokenProvider = provider;
      await fixture(el);
      await ready(el);
      expect(provider.callCount).to.equal(1);
      expect(network.auth.requests).to.have.length(0);
      await chatkitOf(el).request('threads.list');
      expect(network.bearers[0]).to.match(/^Bearer ey/);
    });

    it('calls a tokenProvider with a context, rejected after a 401, and reports one that returns the refused token', async () => {
      const contexts: { signal: AbortSignal; rejected: boolean }[] = [];
      const cached = network.auth.token();
      const el = document.createElement('auth-chatkit');
      el.apiUrl = network.apiUrl;
      el.chatkitSrc = fakeChatKitSrc;
      el.tokenProvider = context => (contexts.push(context), cached);
      recordEvents(el);
      await fixture(el);
      await ready(el);
      network.chatReply = () => Response.json({ error: 'expired' }, { status: 401 });
      const response = await chatkitOf(el).request('threads.list');
      expect(response.status).to.equal(401);
      expect(contexts.map(context => context.rejected)).to.deep.equal([false, true]);
      expect(contexts.every(context => context.signal instanceof AbortSignal)).to.equal(true);
      expect(network.chatRequests, 'no retry with the refused token').to.have.length(1);
      expect(eventsOf('auth-chatkit-error').map(event => event.detail.code)).to.deep.equal(['token-provider-stale']);
    });

    it('a tokenProvider resolving null means signed out', async () => {
      const el = document.createElement('auth-chatkit');
      el.apiUrl = network.apiUrl;
      el.chatkitSrc = fakeChatKitSrc;
      el.tokenProvider = async () => null;
      recordEvents(el);
      await fixture(el);
      await waitFor(() => el.state === 'signed-out');
    });

    it('slots replace the default content of each state', async () => {
      network.auth.always(401);
      const el = await fixture<AuthChatKit>(html`<auth-chatkit
        auth-url=${network.authUrl}
        api-url=${network.apiUrl}
        chatkit-src=${fakeChatKitSrc}
        ><p slot="signed-out">Please log in, friend</p></auth-chatkit
      >`);
      await waitFor(() => el.state === 'signed-out');
      const slot = el.shadowRoot!.querySelector('slot[name=signed-out]') as HTMLSlotElement;
      expect(slot.assignedElements()[0]?.textContent).to.equal('Please log in, friend');
    });

    it('keeps state messages in a live region and the retry button reachable by keyboard', async () => {
      network.auth.always(() => Response.json({}));
      const el = await mount();
      await waitFor(() => el.state === 'error');
      const status = el.shadowRoot!.querySelector('[part=status]')!;
      expect(status.getAttribute('role')).to.equal('status');
      expect(status.querySelector('[role=alert]')).to.not.equal(null);
      const button = status.querySelector('button')!;
      button.focus();
      expect(el.shadowRoot!.activeElement).to.equal(button);
    });
  });

  describe('configuration', () => {
    const bad: [string, Record<string, string | null>, RegExp][] = [
      ['no api-url', { 'api-url': null }, /api-url is required/],
      ['neither auth-url nor tokenProvider', { 'auth-url': null }, /auth-url is required/],
      ['an api-url that is not a URL', { 'api-url': 'http://[::1' }, /api-url "http:\/\/\[::1" is not a URL/],
      ['an auth-url with a javascript: scheme', { 'auth-url': 'javascript:alert(1)' }, /auth-url .* cannot be a javascript: URL/],
      ['an unknown theme', { theme: 'purple' }, /theme "purple"/],
      ['a non-numeric refresh-leeway', { 'refresh-leeway': 'soon' }, /refresh-leeway "soon"/],
      ['an unknown mode', { mode: 'bubble' }, /mode "bubble" is not inline, launcher\./],
      ['an unknown position', { position: 'top' }, /position "top" is not right, left\./],
      ['an unknown loading', { loading: 'later' }, /loading "later" is not lazy, eager\./],
    ];
    for (const [what, attributes, message] of bad) {
      it(`${what}: readable error state and event, recovers when fixed`, async () => {
        const el = await mount();
        await ready(el);
        const fixedValues = Object.fromEntries(Object.keys(attributes).map(name => [name, el.getAttribute(name)]));
        for (const [name, value] of Object.entries(attributes)) {
          if (value === null) el.removeAttribute(name);
          else el.setAttribute(name, value);
        }
        await el.updateComplete;
        expect(el.state, 'in the same update').to.equal('error');
        expect(el.chatkit).to.equal(null);
        expect(el.shadowRoot!.querySelector('[role=alert]')!.textContent).to.match(message);
        const error = eventsOf('auth-chatkit-error').at(-1);
        expect(error?.detail.code).to.equal('config');
        expect(error?.detail.message).to.match(message);
        for (const [name, value] of Object.entries(fixedValues)) {
          if (value === null) el.removeAttribute(name);
          else el.setAttribute(name, value);
        }
        await waitFor(() => el.state === 'ready');
      });
    }

    it('a configuration broken, fixed and broken again the same way is reported each time', async () => {
      const el = await mount();
      await ready(el);
      for (const theme of ['x', 'dark', 'x']) {
        el.setAttribute('theme', theme);
        await el.updateComplete;
      }
      expect(el.state).to.equal('error');
      expect(eventsOf('auth-chatkit-error').map(event => event.detail.code)).to.deep.equal(['config', 'config']);
      el.requestUpdate(); // a re-render of the same broken state is no news
      await el.updateComplete;
      expect(eventsOf('auth-chatkit-error')).to.have.length(2);
    });

    it('a property set to a number is read as its text, not an error', async () => {
      const el = await mount();
      await ready(el);
      (el as unknown as { refreshLeeway: number }).refreshLeeway = 30;
      await el.updateComplete;
      expect(el.state).to.not.equal('error');
      await waitFor(() => el.state === 'ready'); // another leeway, another shared token source
      expect(eventsOf('auth-chatkit-error')).to.have.length(0);
    });

    it('recovering from a configuration error does not announce the held token again', async () => {
      const el = await mount();
      await ready(el);
      expect(eventsOf('auth-chatkit-token')).to.have.length(1);
      el.setAttribute('theme', 'neon');
      await el.updateComplete;
      el.setAttribute('theme', 'dark');
      await waitFor(() => el.state === 'ready');
      expect(eventsOf('auth-chatkit-token'), 'the same token, not a new one').to.have.length(1);
      expect(network.auth.requests).to.have.length(1);
    });

    it('never throws into the page for bad configuration at creation', async () => {
      const errors: unknown[] = [];
      const onError = (event: ErrorEvent) => errors.push(event.error);
      window.addEventListener('error', onError);
      const el = await fixture<AuthChatKit>(html`<auth-chatkit theme="neon"></auth-chatkit>`);
      window.removeEventListener('error', onError);
      expect(el.state).to.equal('error');
      expect(errors).to.deep.equal([]);
    });

    it('gives ChatKit the full options: api, theme, placeholder, greeting, locale, extras', async () => {
      const el = await mount({ theme: 'dark', placeholder: 'Ask away', greeting: 'Hi there', locale: 'de-DE' });
      el.chatkitOptions = {
        header: { enabled: false },
        theme: { radius: 'round' },
        composer: { attachments: { enabled: false } },
        api: { url: 'https://evil.example/steal', domainKey: 'nope' },
      };
      await ready(el);
      await waitFor(() => chatkitOf(el).options?.header !== undefined);
      const { options } = chatkitOf(el);
      expect(options.api.url).to.equal(network.apiUrl);
      expect(options.api.domainKey).to.equal('domain_pk_localhost');
      expect(options.api.fetch).to.be.a('function');
      expect(options.theme).to.deep.equal({ radius: 'round', colorScheme: 'dark' });
      expect(options.composer).to.deep.equal({ attachments: { enabled: false }, placeholder: 'Ask away' });
      expect(options.startScreen).to.deep.equal({ greeting: 'Hi there' });
      expect(options.locale).to.equal('de-DE');
      expect(options.header).to.deep.equal({ enabled: false });
    });

    it('attachments, attachment-max-size and attachment-max-count enable two-phase uploads; chatkitOptions overrides them', async () => {
      const el = await mount({ attachments: 'image/*, application/pdf,.txt', 'attachment-max-size': '10MB', 'attachment-max-count': '3' });
      await ready(el);
      const { options } = chatkitOf(el);
      expect(options.api.uploadStrategy).to.deep.equal({ type: 'two_phase' });
      expect(options.composer?.attachments).to.deep.equal({
        enabled: true, accept: { 'image/*': [], 'application/pdf': [], 'text/plain': ['.txt'] }, maxSize: 10_000_000, maxCount: 3,
      });
      el.chatkitOptions = { composer: { attachments: { enabled: true, maxCount: 1 } } };
      await el.updateComplete;
      expect(chatkitOf(el).options.composer?.attachments?.maxCount).to.equal(1);
      expect(chatkitOf(el).options.composer?.attachments?.maxSize).to.equal(10_000_000);
      const direct = { type: 'direct' as const, uploadUrl: `${network.apiUrl}/attachments` };
      el.chatkitOptions = { api: { url: 'ignored', domainKey: 'ignored', uploadStrategy: direct } };
      await el.updateComplete;
      expect(chatkitOf(el).options.api.uploadStrategy).to.deep.equal(direct);
      expect(chatkitOf(el).options.api.url).to.equal(network.apiUrl);
      el.setAttribute('attachment-max-size', '10 parsecs');
      await el.updateComplete;
      expect(el.state).to.equal('error');
      expect(eventsOf('auth-chatkit-error').at(-1)?.detail.message).to.contain('attachment-max-size "10 parsecs"');
    });

    it('calls setOptions again with FULL options when an attribute changes', async () => {
      const el = await mount({ placeholder: 'One', greeting: 'Hello' });
      await ready(el);
      const chatkit = chatkitOf(el);
      const calls = chatkit.optionsHistory.length;
      el.setAttribute('placeholder', 'Two');
      await el.updateComplete;
      expect(chatkit.optionsHistory).to.have.length(calls + 1);
      expect(chatkit.options.composer?.placeholder).to.equal('Two');
      expect(chatkit.options.startScreen?.greeting, 'nothing lost: setOptions replaces').to.equal('Hello');
      expect(chatkit.options.api.url).to.equal(network.apiUrl);
      expect(el.chatkit).to.equal(chatkit);
    });

    it('remounts ChatKit for a new api-url', async () => {
      const el = await mount();
      await ready(el);
      const first = el.chatkit;
      el.setAttribute('api-url', `${network.apiUrl}/v2`);
      await el.updateComplete;
      await ready(el);
      expect(el.chatkit).to.not.equal(first);
      expect(first?.isConnected).to.equal(false);
      expect(chatkitOf(el).options.api.url).to.equal(`${network.apiUrl}/v2`);
    });

    it("resolves URL attributes against the document's base URL, as src and href are", async () => {
      const base = Object.assign(document.createElement('base'), { href: `${location.origin}/based/` });
      document.head.prepend(base);
      try {
        const el = await mount({ 'api-url': 'chatkit' });
        await ready(el);
        expect(chatkitOf(el).options.api.url).to.equal(`${location.origin}/based/chatkit`);
      } finally {
        base.remove();
      }
    });

    it('resolves relative URLs against the page', async () => {
      const el = await mount({ 'api-url': '/chatkit' });
      await ready(el);
      expect(chatkitOf(el).options.api.url).to.equal(new URL('/chatkit', location.href).href);
    });

    it('a domain-key given is passed through', async () => {
      const el = await mount({ 'domain-key': 'domain_pk_123' });
      await ready(el);
      expect(chatkitOf(el).options.api.domainKey).to.equal('domain_pk_123');
    });

    it('is defined once; defining again is harmless', () => {
      expect(customElements.get('auth-chatkit')).to.equal(AuthChatKitClass);
      expect(() => AuthChatKitClass.define()).to.not.throw();
    });
  });

  describe('ChatKit events and the authorized fetch', () => {
    it('re-dispatches chatkit.* events from the host, once, bubbling and composed', async () => {
      const el = await mount();
      await ready(el);
      const heard: CustomEvent[] = [];
      document.body.addEventListener('chatkit.thread.change', event => heard.push(event as CustomEvent));
      chatkitOf(el).emit('chatkit.thread.change', { threadId: 'thr_1' });
      expect(heard).to.have.length(1);
      expect(heard[0]?.target).to.equal(el);
      expect(heard[0]?.detail).to.deep.equal({ threadId: 'thr_1' });
      expect(heard[0]?.composed).to.equal(true);
    });

    it('sends the bearer token to the chat backend', async () => {
      const el = await mount();
      await ready(el);
      const response = await chatkitOf(el).request('threads.list', { limit: 20 });
      expect(response.status).to.equal(200);
      const [request] = network.chatRequests;
      expect(request?.headers.get('Authorization')).to.match(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
      expect(request?.headers.get('Accept-Language'), 'ChatKit headers kept').to.equal('en');
      expect(await request?.json()).to.deep.equal({ type: 'threads.list', params: { limit: 20 } });
    });

    it('on a 401: one forced refresh, one retry with the same body', async () => {
      const el = await mount();
      await ready(el);
      let calls = 0;
      network.chatReply = () => (++calls === 1 ? Response.json({ error: 'expired' }, { status: 401 }) : Response.json({}));
      const response = await chatkitOf(el).request('threads.update', { thread_id: 't', title: 'x' });
      expect(response.status).to.equal(200);
      expect(network.auth.requests).to.have.length(2);
      const [first, second] = network.bearers;
      expect(first).to.not.equal(second);
      expect(await network.chatRequests[1]?.json()).to.deep.equal({ type: 'threads.update', params: { thread_id: 't', title: 'x' } });
    });

    it('a second 401 goes back to ChatKit and fires chat-unauthorized', async () => {
      const el = await mount();
      await ready(el);
      network.chatReply = () => Response.json({ error: 'nope' }, { status: 401 });
      const response = await chatkitOf(el).request('threads.list');
      expect(response.status).to.equal(401);
      expect(network.chatRequests).to.have.length(2);
      expect(eventsOf('auth-chatkit-error').at(-1)?.detail.code).to.equal('chat-unauthorized');
      await chatkitOf(el).request('threads.list'); // another request refused: reported again
      expect(eventsOf('auth-chatkit-error').filter(event => event.detail.code === 'chat-unauthorized')).to.have.length(2);
    });

    it('retries and reports even when the forced refresh brings the same token back', async () => {
      // Better Auth signs the same claims in the same second to the same JWT
      const same = network.auth.token();
      network.auth.always(() => Response.json({ token: same }));
      const el = await mount();
      await ready(el);
      network.chatReply = () => Response.json({ error: 'nope' }, { status: 401 });
      const response = await chatkitOf(el).request('threads.list');
      expect(response.status).to.equal(401);
      expect(network.auth.requests, 'one forced refresh').to.have.length(2);
      expect(network.bearers).to.deep.equal([`Bearer ${same}`, `Bearer ${same}`]);
      expect(eventsOf('auth-chatkit-error').at(-1)?.detail.code).to.equal('chat-unauthorized');
    });

    it('sends no token to another origin', async () => {
      const el = await mount();
      await ready(el);
      await chatkitOf(el).options.api.fetch!('https://cdn.example.org/asset.json', { headers: { 'X-Test': '1' } });
      const [request] = network.otherRequests;
      expect(request?.headers.get('Authorization')).to.equal(null);
      expect(request?.headers.get('X-Test')).to.equal('1');
      await realTasks();
    });
  });
});
