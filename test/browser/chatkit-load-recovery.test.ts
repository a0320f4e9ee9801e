// In its own page: <openai-chatkit> stays undefined until the attribute is fixed.
import { expect, fixture } from '@open-wc/testing';
import '../../src/define.js';
import type { AuthChatKit } from '../../src/auth-chatkit.js';
import { fakeChatKitSrc } from './support/fake-chatkit.js';
import { FakeNetwork } from './support/fake-network.js';
import { waitFor } from './support/time.js';

describe('ChatKit load errors in the element', () => {
  let network: FakeNetwork;
  beforeEach(() => (network = new FakeNetwork().install()));
  afterEach(() => network.restore());

  it('shows a 404 as an error; "Try again" retries; fixing chatkit-src recovers without a reload', async () => {
    const el = document.createElement('auth-chatkit') as AuthChatKit;
    el.setAttribute('auth-url', network.authUrl);
    el.setAttribute('api-url', network.apiUrl);
    el.setAttribute('chatkit-src', '/test/browser/fixtures/not-here.js');
    await fixture(el);
    await waitFor(() => el.state === 'error');
    expect(el.shadowRoot!.querySelector('[role=alert]')!.textContent).to.contain('not-here.js');
    const inserted = () => [...document.scripts].filter(script => script.src.endsWith('/not-here.js')).length;
    expect(inserted(), 'the failed script is removed').to.equal(0);

    const retry = el.shadowRoot!.querySelector('button[part=retry]') as HTMLButtonElement;
    let insertedAgain = false;
    const observer = new MutationObserver(() => (insertedAgain ||= inserted() > 0));
    observer.observe(document.head, { childList: true });
    retry.click();
    await waitFor(() => insertedAgain);
    await waitFor(() => el.state === 'error' && inserted() === 0);
    observer.disconnect();

    el.setAttribute('chatkit-src', fakeChatKitSrc);
    await waitFor(() => el.state === 'ready');
    expect(el.chatkit?.localName).to.equal('openai-chatkit');
  });
});
