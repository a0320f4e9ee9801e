// In its own page: <openai-chatkit> is never defined here, so every element that loads ChatKit
// inserts its script, and a test can see exactly when that happens.
import { expect } from '@open-wc/testing';
import { resetMouse, sendMouse } from '@web/test-runner-commands';
import '../../src/define.js';
import type { AuthChatKit } from '../../src/auth-chatkit.js';
import { memoryKeyOf, mountElement, panelShown, partsOf } from './support/element.js';
import { FakeNetwork } from './support/fake-network.js';
import { realTasks } from './support/time.js';

let scripts = 0;

describe('launcher: nothing heavy until intent', () => {
  let network: FakeNetwork;
  let inserted: HTMLScriptElement[];
  let observer: MutationObserver;
  let src: string;

  beforeEach(() => {
    network = new FakeNetwork().install();
    inserted = [];
    observer = new MutationObserver(records => {
      for (const node of records.flatMap(record => [...record.addedNodes])) {
        if (node instanceof HTMLScriptElement) inserted.push(node);
      }
    });
    observer.observe(document, { childList: true, subtree: true });
    // a ChatKit script that never defines the element: each test's own, so its insertion shows
    src = `/test/browser/fixtures/defines-nothing.js?launcher=${++scripts}`;
  });

  afterEach(async () => {
    observer.disconnect();
    network.restore();
    await resetMouse();
  });

  /** What the element asked of the network: token requests, other fetches, scripts inserted. */
  const requested = () => ({ token: network.auth.requests.length, fetches: network.chatRequests.length + network.otherRequests.length, scripts: inserted.length });
  const launcher = (attributes: Record<string, string> = {}) => mountElement(network, { mode: 'launcher', 'chatkit-src': src, ...attributes });
  const settle = async (el: AuthChatKit) => {
    await el.updateComplete;
    await realTasks();
  };

  it('before intent: no token request, no ChatKit script, no fetch at all; state idle', async () => {
    const el = await launcher();
    await settle(el);
    expect(requested()).to.deep.equal({ token: 0, fetches: 0, scripts: 0 });
    expect(el.state).to.equal('idle');
    expect(el.getAttribute('state')).to.equal('idle');
  });

  it('a pointer over the launcher starts the token request and the ChatKit script together', async () => {
    const el = await launcher();
    await settle(el);
    const box = partsOf(el).launcher.getBoundingClientRect();
    await sendMouse({ type: 'move', position: [Math.round(box.left + box.width / 2), Math.round(box.top + box.height / 2)] });
    await el.updateComplete;
    expect(requested()).to.deep.equal({ token: 1, fetches: 0, scripts: 1 });
    expect(inserted[0]!.src).to.equal(new URL(src, location.href).href);
    expect(el.state).to.equal('loading');
    expect(el.open, 'a hover does not open it').to.equal(false);
  });

  it('focus on the launcher is intent too', async () => {
    const el = await launcher();
    partsOf(el).launcher.focus();
    await el.updateComplete;
    expect(requested()).to.deep.equal({ token: 1, fetches: 0, scripts: 1 });
  });

  it('show() before any intent opens the panel at once, in the loading state, and starts both', async () => {
    const el = await launcher();
    el.show();
    await el.updateComplete;
    expect(panelShown(el)).to.equal(true);
    expect(partsOf(el).status.textContent).to.contain('Loading chat');
    expect(requested()).to.deep.equal({ token: 1, fetches: 0, scripts: 1 });
  });

  it('loading="eager" starts both when connected', async () => {
    const el = await launcher({ loading: 'eager' });
    await el.updateComplete;
    expect(requested()).to.deep.equal({ token: 1, fetches: 0, scripts: 1 });
    expect(el.state).to.equal('loading');
  });

  it('an inline element loads at once, whatever its loading attribute says', async () => {
    await mountElement(network, { 'chatkit-src': src, loading: 'lazy' });
    expect(requested()).to.deep.equal({ token: 1, fetches: 0, scripts: 1 });
  });

  it('once started, it stays loaded: closing the panel unloads nothing', async () => {
    const el = await launcher();
    el.show();
    await el.updateComplete;
    el.close();
    await settle(el);
    expect(el.state).to.equal('loading');
    expect(requested()).to.deep.equal({ token: 1, fetches: 0, scripts: 1 });
  });

  it('a remembered open panel (remember) counts as intent; without remember it does not', async () => {
    sessionStorage.setItem(memoryKeyOf(network), JSON.stringify({ sub: 'user-1', open: true }));
    try {
      const quiet = await launcher();
      await settle(quiet);
      expect(requested().token, 'not remembering: not read').to.equal(0);
      quiet.remove(); // a second identical launcher would be a duplicate
      await launcher({ remember: '' });
      expect(requested()).to.deep.equal({ token: 1, fetches: 0, scripts: 1 });
    } finally {
      sessionStorage.clear();
    }
  });

  it('copies its nonce onto the ChatKit script it inserts', async () => {
    const el = await launcher({ loading: 'eager', nonce: 'n0nce-1' });
    await el.updateComplete;
    expect(inserted[0]?.nonce).to.equal('n0nce-1');
    // without one, none
    await mountElement(network, { 'chatkit-src': `${src}&plain` });
    expect(inserted[1]?.nonce).to.equal('');
  });
});
