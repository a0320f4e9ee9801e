// In its own page: <openai-chatkit> is not defined until a test here loads the double, so the
// failures run first.
import { expect, fixture } from '@open-wc/testing';
import sinon from 'sinon';
import '../../src/define.js';
import type { AuthChatKit } from '../../src/auth-chatkit.js';
import { loadChatKit } from '../../src/chatkit-runtime.js';
import { AuthChatKitError } from '../../src/errors.js';
import { fakeChatKitSrc } from './support/fake-chatkit.js';
import { FakeNetwork } from './support/fake-network.js';
import { advance, waitFor } from './support/time.js';

const scriptsWithSrc = (src: string) => [...document.scripts].filter(script => script.src === new URL(src, location.href).href);

async function failure(load: Promise<unknown>): Promise<AuthChatKitError> {
  const error = await load.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).to.be.instanceOf(AuthChatKitError);
  return error as AuthChatKitError;
}

describe('ChatKit runtime loading', () => {
  let network: FakeNetwork;
  beforeEach(() => (network = new FakeNetwork().install()));
  afterEach(() => network.restore());

  it('a script that 404s fails with chatkit-load naming the src, and is removed', async () => {
    const error = await failure(loadChatKit('/test/browser/fixtures/missing.js'));
    expect(error.code).to.equal('chatkit-load');
    expect(error.message).to.contain(`ChatKit could not be loaded from ${location.origin}/test/browser/fixtures/missing.js`);
    expect(scriptsWithSrc('/test/browser/fixtures/missing.js')).to.have.length(0);
  });

  it('a src that is not a URL is a chatkit-load failure too, never a throw', async () => {
    const loading = loadChatKit('http://[not-a-host');
    expect((await failure(loading)).code).to.equal('chatkit-load');
  });

  it('a script that never defines <openai-chatkit> fails after the timeout', async () => {
    const started = performance.now();
    const error = await failure(loadChatKit('/test/browser/fixtures/defines-nothing.js', { timeoutMs: 300 }));
    expect(error.message).to.contain('not defined within 0.3 s');
    expect(performance.now() - started).to.be.within(250, 2_000);
  });

  it('the element shows the load error in bounded time (default 15 s timeout, fake clock)', async () => {
    const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const el = document.createElement('auth-chatkit');
      el.setAttribute('auth-url', network.authUrl);
      el.setAttribute('api-url', network.apiUrl);
      el.setAttribute('chatkit-src', '/test/browser/fixtures/defines-nothing.js?element');
      const errors: CustomEvent[] = [];
      el.addEventListener('auth-chatkit-error', event => errors.push(event));
      await fixture(el);
      await waitFor(() => (window as unknown as { definesNothingRuns?: number }).definesNothingRuns === 2);
      await advance(clock, 14_000);
      expect(el.state).to.equal('loading');
      await advance(clock, 1_000);
      expect(el.state).to.equal('error');
      expect(el.shadowRoot!.textContent).to.contain('ChatKit could not be loaded from');
      expect(errors.map(event => event.detail.code)).to.deep.equal(['chatkit-load']);
    } finally {
      clock.restore();
    }
  });

  it('starts the script in parallel with the first token request; three elements insert it once', async () => {
    let releaseToken = () => {};
    network.auth.reply(
      () =>
        new Promise<Response>(resolve => {
          releaseToken = () => resolve(Response.json({ token: network.auth.token() }));
        }),
    );
    const els = await Promise.all(
      [1, 2, 3].map(() => {
        const el = document.createElement('auth-chatkit');
        el.setAttribute('auth-url', network.authUrl);
        el.setAttribute('api-url', network.apiUrl);
        el.setAttribute('chatkit-src', fakeChatKitSrc);
        return fixture<AuthChatKit>(el);
      }),
    );
    await waitFor(() => network.auth.requests.length === 1); // the token request is out, unanswered
    expect(scriptsWithSrc(fakeChatKitSrc), 'and the script is already inserted').to.have.length(1);
    await waitFor(() => customElements.get('openai-chatkit') !== undefined);
    expect(els.every(el => el.state === 'loading'), 'waiting for the token').to.equal(true);
    releaseToken();
    await waitFor(() => els.every(el => el.state === 'ready'));
    expect(scriptsWithSrc(fakeChatKitSrc)).to.have.length(1);
    expect((window as unknown as { fakeChatKitScriptRuns: number }).fakeChatKitScriptRuns).to.equal(1);
    expect(network.auth.requests).to.have.length(1);
  });

  it('reuses a script the page already has, and resolves at once once defined', async () => {
    await loadChatKit(fakeChatKitSrc);
    expect(scriptsWithSrc(fakeChatKitSrc)).to.have.length(1);
  });
});
