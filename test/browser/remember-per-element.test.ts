// `remember` with several elements on one page: each keeps its own entry (keyed by its mode, backend,
// and id or place), an inline element never writes `open`, and a second identical launcher (the embed
// snippet included twice) shows no second button.
import { expect, fixture, html } from '@open-wc/testing';
import '../../src/define.js';
import type { AuthChatKit } from '../../src/auth-chatkit.js';
import { memoryKeyOf, partsOf, panelShown } from './support/element.js';
import { fakeChatKitSrc, type FakeChatKit } from './support/fake-chatkit.js';
import { FakeNetwork } from './support/fake-network.js';
import { waitFor } from './support/time.js';

describe('remember, several elements on a page', () => {
  let network: FakeNetwork;
  let page: HTMLElement;
  beforeEach(async () => {
    network = new FakeNetwork().install();
    page = await fixture(html`<main></main>`);
  });
  afterEach(() => {
    network.restore();
    sessionStorage.clear();
  });

  /** Elements as the page's markup lists them (`attributes` each), appended together, as a page load does. */
  function load(...list: Record<string, string>[]): AuthChatKit[] {
    page.replaceChildren();
    return list.map(attributes => {
      const el = document.createElement('auth-chatkit');
      const all = { 'auth-url': network.authUrl, 'api-url': network.apiUrl, 'chatkit-src': fakeChatKitSrc, remember: '', ...attributes };
      for (const [name, value] of Object.entries(all)) el.setAttribute(name, value);
      return page.appendChild(el);
    });
  }
  const entry = (key: string) => JSON.parse(sessionStorage.getItem(key) ?? 'null') as Record<string, unknown> | null;
  const threadOf = (el: AuthChatKit) => (el.chatkit as FakeChatKit).options.initialThread;

  it('an inline chat and a launcher: their own threads and panel, across two reloads', async () => {
    let [inline, launcher] = load({}, { mode: 'launcher' });
    await waitFor(() => inline!.state === 'ready');
    (inline!.chatkit as FakeChatKit).emit('chatkit.thread.change', { threadId: 'thr_inline' });
    launcher!.show();
    await waitFor(() => launcher!.state === 'ready');
    (launcher!.chatkit as FakeChatKit).emit('chatkit.thread.change', { threadId: 'thr_launcher' });
    expect(entry(memoryKeyOf(network, 'inline'))).to.deep.equal({ sub: 'user-1', thread: 'thr_inline' }, 'an inline element never writes open');
    expect(entry(memoryKeyOf(network, 'launcher'))).to.deep.equal({ sub: 'user-1', open: true, thread: 'thr_launcher' });

    for (const reload of [1, 2]) {
      [inline, launcher] = load({}, { mode: 'launcher' });
      await waitFor(() => inline!.state === 'ready' && launcher!.state === 'ready');
      await launcher!.updateComplete;
      expect([launcher!.open, panelShown(launcher!)], `reload ${reload}: the launcher open again`).to.deep.equal([true, true]);
      expect([threadOf(inline!), threadOf(launcher!)], `reload ${reload}: each its own thread`).to.deep.equal(['thr_inline', 'thr_launcher']);
    }
  });

  it('the same launcher twice (an embed snippet included twice): one button, and after a reload one panel open', async () => {
    let [first, second] = load({ mode: 'launcher' }, { mode: 'launcher' });
    await Promise.all([first!.updateComplete, second!.updateComplete]);
    expect(second!.shadowRoot!.querySelector('[part=launcher]'), 'no second button').to.equal(null);
    expect(second!.state).to.equal('idle');
    first!.show();
    await waitFor(() => first!.state === 'ready');

    [first, second] = load({ mode: 'launcher' }, { mode: 'launcher' });
    await waitFor(() => first!.state === 'ready');
    await second!.updateComplete;
    expect([panelShown(first!), second!.open, second!.state]).to.deep.equal([true, false, 'idle']);
    expect(second!.chatkit, 'the duplicate loads nothing').to.equal(null);

    first!.remove(); // the one in front leaves: the other takes its place
    await waitFor(() => partsOf(second!).launcher !== null);
    expect(partsOf(second!).launcher.matches(':popover-open')).to.equal(true);
  });

  it('launchers told apart by id keep an entry each; a launcher never opened does not reopen', async () => {
    let [sales, support] = load({ mode: 'launcher', id: 'sales' }, { mode: 'launcher', id: 'support', position: 'left' });
    await Promise.all([sales!.updateComplete, support!.updateComplete]);
    expect([partsOf(sales!).launcher, partsOf(support!).launcher].every(Boolean), 'two buttons').to.equal(true);
    support!.show();
    await waitFor(() => support!.state === 'ready');
    sales!.loading = 'eager';
    await waitFor(() => sales!.state === 'ready');

    [sales, support] = load({ mode: 'launcher', id: 'sales' }, { mode: 'launcher', id: 'support', position: 'left' });
    await waitFor(() => support!.state === 'ready');
    await Promise.all([sales!.updateComplete, support!.updateComplete]);
    expect([sales!.open, support!.open]).to.deep.equal([false, true]);
    expect(entry(memoryKeyOf(network, 'launcher', 'sales'))).to.deep.equal({ sub: 'user-1', open: false });
  });
});
