import 'axe-core';
import { expect, fixture, html } from '@open-wc/testing';
import { emulateMedia, resetMouse, sendKeys, setViewport } from '@web/test-runner-commands';
import type { AxeResults } from 'axe-core';
import sinon from 'sinon';
import '../../src/define.js';
import type { AuthChatKit } from '../../src/auth-chatkit.js';
import { browser } from '../../src/browser.js';
import { memoryKeyOf, mountElement, openSettled, panelShown, partsOf } from './support/element.js';
import { fakeChatKitSrc, type FakeChatKit } from './support/fake-chatkit.js';
import { FakeNetwork } from './support/fake-network.js';
import { realTasks, waitFor } from './support/time.js';

// axe-core's UMD build sets window.axe when imported in a page
declare const axe: { run(context: Element, options?: object): Promise<AxeResults> };

const desktop = { width: 1280, height: 800 };
const phone = { width: 375, height: 667 };

describe('launcher (mode="launcher")', () => {
  let network: FakeNetwork;
  let events: string[];
  const launcher = async (attributes: Record<string, string> = {}) => {
    const el = await mountElement(network, { mode: 'launcher', ...attributes });
    for (const type of ['auth-chatkit-open', 'auth-chatkit-close']) el.addEventListener(type, () => events.push(type));
    return el;
  };
  const activeIn = (el: AuthChatKit) => el.shadowRoot!.activeElement;
  let focusComposer: sinon.SinonSpy;

  before(async () => {
    const ChatKit = (await import('../../src/chatkit-runtime.js').then(({ loadChatKit }) => loadChatKit(fakeChatKitSrc)), customElements.get('openai-chatkit')!);
    focusComposer = sinon.spy(ChatKit.prototype as FakeChatKit, 'focusComposer');
  });

  beforeEach(async () => {
    await setViewport(desktop);
    network = new FakeNetwork().install();
    events = [];
    focusComposer.resetHistory();
  });

  afterEach(async () => {
    network.restore();
    await resetMouse();
    await emulateMedia({ colorScheme: 'light', reducedMotion: 'no-preference' });
  });

  describe('layout', () => {
    it('is a round button fixed in the bottom-right corner; the host takes no room in the page', async () => {
      const el = await launcher();
      const { launcher: button, panel } = partsOf(el);
      const box = button.getBoundingClientRect();
      expect([box.width, box.height]).to.deep.equal([56, 56]);
      expect([box.right, box.bottom]).to.deep.equal([desktop.width - 20, desktop.height - 20]);
      expect(getComputedStyle(button).borderRadius).to.equal('50%');
      expect(el.getBoundingClientRect().height).to.equal(0);
      expect(panelShown(el)).to.equal(false);
      expect(getComputedStyle(panel).display).to.equal('none');
      expect(el.shadowRoot!.querySelector('[part=frame]')!.closest('dialog') === panel, 'the chat lives in the panel').to.equal(true);
    });

    it('position="left" and the CSS custom properties place it; the panel opens above it', async () => {
      const el = await launcher({ position: 'left' });
      el.style.setProperty('--auth-chatkit-inset-x', '32px');
      el.style.setProperty('--auth-chatkit-inset-y', '90px');
      el.style.setProperty('--auth-chatkit-launcher-size', '64px');
      el.style.setProperty('--auth-chatkit-panel-width', '360px');
      el.style.setProperty('--auth-chatkit-panel-height', '500px');
      await openSettled(el);
      const { launcher: button, panel } = partsOf(el);
      const box = button.getBoundingClientRect();
      expect([box.left, box.bottom, box.width]).to.deep.equal([32, desktop.height - 90, 64]);
      const panelBox = panel.getBoundingClientRect();
      expect([panelBox.left, panelBox.width, panelBox.height]).to.deep.equal([32, 360, 500]);
      expect(panelBox.bottom).to.equal(box.top - 12);
    });

    it('the panel never outgrows the viewport above the launcher', async () => {
      await setViewport({ width: 700, height: 560 });
      const el = await launcher();
      await openSettled(el);
      const { panel } = partsOf(el);
      const box = panel.getBoundingClientRect();
      expect(box.top).to.equal(20);
      expect(box.height).to.equal(560 - 2 * 20 - 56 - 12);
      expect(box.right).to.equal(700 - 20);
    });

    it('the panel is in the top layer: above a page element with the highest z-index', async () => {
      const cover = Object.assign(document.createElement('div'), { style: 'position:fixed;inset:0;z-index:2147483647;background:red' });
      document.body.append(cover);
      try {
        const el = await launcher();
        await openSettled(el);
        const { panel } = partsOf(el);
        const box = panel.getBoundingClientRect();
        const hit = el.shadowRoot!.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
        expect(panel.contains(hit), 'the panel is hit, not the cover').to.equal(true);
      } finally {
        cover.remove();
      }
    });

    it('on a phone the open panel fills the viewport, shows its close button and holds the page still; closing restores the page', async () => {
      await setViewport(phone);
      document.documentElement.style.setProperty('overflow-y', 'auto');
      try {
        const el = await launcher();
        const { panel, close } = partsOf(el);
        expect(close.checkVisibility(), 'no close button while closed').to.equal(false);
        await openSettled(el);
        expect(panel.matches(':modal'), 'modal: the page behind is inert').to.equal(true);
        const box = panel.getBoundingClientRect();
        expect([box.left, box.top, box.width, box.height]).to.deep.equal([0, 0, phone.width, phone.height]);
        const closeBox = close.getBoundingClientRect();
        expect(closeBox.width).to.be.at.least(44);
        expect(closeBox.top).to.be.within(0, 10);
        expect(getComputedStyle(document.documentElement).overflowY).to.equal('hidden');
        close.click();
        await el.updateComplete;
        expect(el.open).to.equal(false);
        expect(document.documentElement.getAttribute('style'), 'exactly what was there').to.equal('overflow-y: auto;');
        expect(activeIn(el) === partsOf(el).launcher, 'focus back on the launcher').to.equal(true);
      } finally {
        document.documentElement.removeAttribute('style');
      }
    });

    it('leaves no style behind on the page root when it had none', async () => {
      await setViewport(phone);
      const el = await launcher();
      el.show();
      await el.updateComplete;
      expect(document.documentElement.hasAttribute('style')).to.equal(true);
      el.close();
      await el.updateComplete;
      expect(document.documentElement.hasAttribute('style')).to.equal(false);
    });

    it('follows the viewport across the breakpoint while open: modal on a phone, a popover again on a desktop', async () => {
      const el = await launcher();
      el.show();
      await el.updateComplete;
      const { panel } = partsOf(el);
      expect(panel.matches(':popover-open')).to.equal(true);
      await setViewport(phone);
      await waitFor(() => panel.matches(':modal'));
      expect(getComputedStyle(document.documentElement).overflowY).to.equal('hidden');
      await setViewport(desktop);
      await waitFor(() => panel.matches(':popover-open'));
      expect(panel.open, 'no longer a dialog').to.equal(false);
      expect(document.documentElement.hasAttribute('style')).to.equal(false);
      expect(el.open).to.equal(true);
      expect(events, 'no close and open events: it stayed open').to.deep.equal(['auth-chatkit-open']);
    });

    it('animates the panel in, unless the user prefers reduced motion', async () => {
      const el = await launcher();
      el.show();
      await el.updateComplete;
      const { panel, launcher: button } = partsOf(el);
      expect(getComputedStyle(panel).animationName).to.equal('rise');
      await emulateMedia({ reducedMotion: 'reduce' });
      expect(getComputedStyle(panel).animationName).to.equal('none');
      expect(getComputedStyle(button).transitionDuration).to.equal('0s');
    });
  });

  describe('opening and closing', () => {
    it('a click opens the panel at once with the loading state, then ChatKit mounts in it; a second click closes', async () => {
      let release = () => {};
      network.auth.reply(() => new Promise<Response>(resolve => (release = () => resolve(Response.json({ token: network.auth.token() })))));
      const el = await launcher();
      const { launcher: button, panel, status } = partsOf(el);
      button.click();
      await el.updateComplete;
      expect(el.open).to.equal(true);
      expect(el.hasAttribute('open')).to.equal(true);
      expect(button.getAttribute('aria-expanded')).to.equal('true');
      expect(panelShown(el)).to.equal(true);
      expect(status.textContent).to.contain('Loading chat');
      expect(status.checkVisibility()).to.equal(true);
      expect(activeIn(el) === panel, 'focus in the panel while ChatKit loads').to.equal(true);
      release();
      await waitFor(() => el.state === 'ready');
      expect(panel.contains(el.chatkit)).to.equal(true);
      await waitFor(() => focusComposer.called);
      expect(focusComposer.firstCall.thisValue === el.chatkit, 'focus moves to the composer once ChatKit is ready').to.equal(true);
      button.click();
      await el.updateComplete;
      expect(el.open).to.equal(false);
      expect(el.hasAttribute('open')).to.equal(false);
      expect(button.getAttribute('aria-expanded')).to.equal('false');
      expect(panelShown(el)).to.equal(false);
      expect(events).to.deep.equal(['auth-chatkit-open', 'auth-chatkit-close']);
    });

    it('opening a launcher whose ChatKit is mounted focuses the composer', async () => {
      const el = await launcher({ loading: 'eager' });
      await waitFor(() => el.state === 'ready');
      el.show();
      await el.updateComplete;
      expect(focusComposer.calledOn(el.chatkit)).to.equal(true);
    });

    it('by keyboard: Enter and Space on the launcher toggle it; Escape closes and focus returns to the launcher', async () => {
      const el = await launcher();
      const { launcher: button, panel } = partsOf(el);
      button.focus();
      await sendKeys({ press: 'Enter' });
      await el.updateComplete;
      expect(el.open).to.equal(true);
      expect(activeIn(el) === panel, 'focus in the panel').to.equal(true);
      await sendKeys({ press: 'Escape' });
      await el.updateComplete;
      expect(el.open).to.equal(false);
      expect(activeIn(el) === button, 'focus back on the launcher').to.equal(true);
      await sendKeys({ press: 'Space' });
      await el.updateComplete;
      expect(el.open).to.equal(true);
      button.focus();
      await sendKeys({ press: 'Space' });
      await el.updateComplete;
      expect(el.open).to.equal(false);
      expect(events).to.deep.equal(['auth-chatkit-open', 'auth-chatkit-close', 'auth-chatkit-open', 'auth-chatkit-close']);
    });

    it('Escape from inside ChatKit closes; an Escape ChatKit handled itself does not', async () => {
      const el = await launcher({ loading: 'eager' });
      await waitFor(() => el.state === 'ready');
      el.show();
      await el.updateComplete;
      const handled = new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, composed: true, cancelable: true });
      handled.preventDefault();
      el.chatkit!.dispatchEvent(handled);
      await el.updateComplete;
      expect(el.open).to.equal(true);
      el.chatkit!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, composed: true, cancelable: true }));
      await el.updateComplete;
      expect(el.open).to.equal(false);
    });

    it('on a phone, Escape (the modal dialog\'s close request) closes too', async () => {
      await setViewport(phone);
      const el = await launcher();
      partsOf(el).launcher.focus();
      await sendKeys({ press: 'Enter' });
      await el.updateComplete;
      expect(partsOf(el).panel.matches(':modal')).to.equal(true);
      await sendKeys({ press: 'Escape' });
      await el.updateComplete;
      expect(el.open).to.equal(false);
      expect(partsOf(el).panel.open).to.equal(false);
      expect(document.documentElement.hasAttribute('style')).to.equal(false);
      expect(activeIn(el) === partsOf(el).launcher, 'focus back on the launcher').to.equal(true);
      expect(events).to.deep.equal(['auth-chatkit-open', 'auth-chatkit-close']);
    });

    it('a close request the platform handles itself (the dialog closed, e.g. by Android\'s back) is followed', async () => {
      await setViewport(phone);
      const el = await launcher();
      el.show();
      await el.updateComplete;
      partsOf(el).panel.close(); // what the platform does on a close request
      await waitFor(() => !el.open);
      expect(events).to.deep.equal(['auth-chatkit-open', 'auth-chatkit-close']);
      expect(document.documentElement.hasAttribute('style')).to.equal(false);
    });

    it('show(), close() and toggle(force) open and close it and fire only on a change, bubbling and composed', async () => {
      const el = await launcher();
      const heard: Event[] = [];
      document.addEventListener('auth-chatkit-open', event => heard.push(event), { once: true });
      el.show();
      el.show();
      await el.updateComplete;
      expect(el.open).to.equal(true);
      expect(heard[0]?.bubbles && heard[0]?.composed).to.equal(true);
      expect(el.toggle()).to.equal(false);
      await el.updateComplete;
      expect(el.toggle(true)).to.equal(true);
      await el.updateComplete;
      expect(el.toggle(true)).to.equal(true);
      await el.updateComplete;
      expect(el.toggle('' as unknown as boolean), 'force read as a boolean, as togglePopover does').to.equal(false);
      expect(el.toggle(1 as unknown as boolean)).to.equal(true);
      await el.updateComplete;
      el.close();
      await el.updateComplete;
      el.open = true; // the property and the attribute are the same state
      await el.updateComplete;
      el.removeAttribute('open');
      await el.updateComplete;
      expect(events).to.deep.equal(['auth-chatkit-open', 'auth-chatkit-close', 'auth-chatkit-open', 'auth-chatkit-close', 'auth-chatkit-open', 'auth-chatkit-close']);
    });

    it('closing from code while focus is elsewhere on the page leaves focus alone', async () => {
      const input = document.createElement('input');
      document.body.append(input);
      try {
        const el = await launcher();
        el.show();
        await el.updateComplete;
        input.focus();
        el.close();
        await el.updateComplete;
        expect(document.activeElement === input, 'focus stays in the input').to.equal(true);
      } finally {
        input.remove();
      }
    });

    it('starts open with the open attribute: shown, loading, no event and no focus taken', async () => {
      const el = await launcher({ open: '' });
      expect(panelShown(el)).to.equal(true);
      expect(document.activeElement === document.body, 'focus stays on the page').to.equal(true);
      await waitFor(() => el.state === 'ready');
      expect(events).to.deep.equal([]);
      expect(focusComposer.called).to.equal(false);
    });

    it('removed while open and put back: shown again, no events, nothing held on the page', async () => {
      await setViewport(phone);
      const el = await launcher();
      el.show();
      await el.updateComplete;
      const parent = el.parentElement!;
      el.remove();
      expect(document.documentElement.hasAttribute('style'), 'the page scrolls again').to.equal(false);
      expect(partsOf(el).panel.open).to.equal(false);
      parent.append(el);
      await el.updateComplete;
      expect(partsOf(el).panel.matches(':modal')).to.equal(true);
      expect(events).to.deep.equal(['auth-chatkit-open']);
    });

    it('is named and wired for assistive technology', async () => {
      const el = await launcher();
      const { launcher: button, panel, close } = partsOf(el);
      expect(button.getAttribute('aria-label')).to.equal('Chat');
      expect(button.getAttribute('aria-haspopup')).to.equal('dialog');
      expect(el.shadowRoot!.getElementById(button.getAttribute('aria-controls')!) === panel, 'aria-controls names the panel').to.equal(true);
      expect(panel.getAttribute('aria-label')).to.equal('Chat');
      expect(close.getAttribute('aria-label')).to.equal('Close chat');
    });

    for (const state of ['closed', 'open'] as const) {
      it(`axe-core finds no violations (${state})`, async () => {
        const el = await launcher({ badge: '2', loading: 'eager', ...(state === 'open' && { open: '' }) });
        await waitFor(() => el.state === 'ready');
        const results = await axe.run(el);
        expect(results.violations.map(violation => `${violation.id}: ${violation.help}`)).to.deep.equal([]);
        expect(results.passes.length, 'axe did check the launcher').to.be.greaterThan(3);
      });
    }

    it('axe-core finds no violations full screen on a phone, in the signed-out state', async () => {
      await setViewport(phone);
      network.auth.always(401);
      const el = await launcher({ open: '', 'login-url': '/sign-in' });
      await waitFor(() => el.state === 'signed-out');
      const results = await axe.run(el);
      expect(results.violations.map(violation => violation.id)).to.deep.equal([]);
    });
  });

  describe('badge', () => {
    it('shows the host\'s badge on the launcher and says it in the launcher\'s name', async () => {
      const el = await launcher({ badge: '3' });
      const { launcher: button, badge } = partsOf(el);
      expect(badge?.textContent).to.equal('3');
      expect(badge?.getAttribute('aria-hidden')).to.equal('true');
      expect(button.getAttribute('aria-label')).to.equal('Chat, 3 unread');
      el.badgeLabel = '3 new answers';
      await el.updateComplete;
      expect(button.getAttribute('aria-label')).to.equal('Chat, 3 new answers');
      const badgeBox = badge!.getBoundingClientRect();
      const box = button.getBoundingClientRect();
      expect(badgeBox.top).to.be.below(box.top + 4);
      expect(badgeBox.right).to.be.above(box.right - 4);
      el.badge = '';
      await el.updateComplete;
      expect(partsOf(el).badge).to.equal(null);
      expect(button.getAttribute('aria-label')).to.equal('Chat');
    });
  });

  describe('slots', () => {
    it('the launcher-icon slot replaces the icon while closed', async () => {
      const el = await fixture<AuthChatKit>(html`<auth-chatkit mode="launcher" auth-url=${network.authUrl} api-url=${network.apiUrl}
        ><img slot="launcher-icon" alt="" src="data:image/gif;base64,R0lGODlhAQABAAAAACw="
      /></auth-chatkit>`);
      const slot = partsOf(el).launcher.querySelector('slot[name=launcher-icon]') as HTMLSlotElement;
      expect(slot.assignedElements()[0]?.localName).to.equal('img');
    });
  });

  describe('theme="auto"', () => {
    it('gives ChatKit the page\'s color scheme, and follows it when it changes', async () => {
      const el = await mountElement(network, { theme: 'auto' });
      await waitFor(() => el.state === 'ready');
      const chatkit = el.chatkit as FakeChatKit;
      expect(chatkit.options.theme).to.equal('light');
      await emulateMedia({ colorScheme: 'dark' });
      await waitFor(() => chatkit.options.theme === 'dark');
      await emulateMedia({ colorScheme: 'light' });
      await waitFor(() => chatkit.options.theme === 'light');
      expect(chatkit.optionsHistory.map(options => options.theme)).to.deep.equal(['light', 'dark', 'light']);
    });

    it('stops following the media queries when disconnected', async () => {
      const lists: (EventTarget & { matches: boolean })[] = [];
      const matchMedia = sinon.stub(browser, 'matchMedia').callsFake(query => {
        const list = Object.assign(new EventTarget(), { matches: false, media: query });
        lists.push(list);
        return list as unknown as MediaQueryList;
      });
      try {
        const el = await mountElement(network, { theme: 'auto', mode: 'launcher' });
        expect(lists.map(list => (list as unknown as MediaQueryList).media).sort()).to.deep.equal(['(max-width: 480px), (max-height: 480px)', '(prefers-color-scheme: dark)']);
        const requestUpdate = sinon.spy(el, 'requestUpdate');
        for (const list of lists) list.dispatchEvent(new Event('change'));
        expect(requestUpdate.callCount, 'followed while connected').to.equal(2);
        el.remove();
        requestUpdate.resetHistory();
        for (const list of lists) list.dispatchEvent(new Event('change'));
        expect(requestUpdate.callCount, 'no listener left').to.equal(0);
      } finally {
        matchMedia.restore();
      }
    });
  });

  describe('remember', () => {
    const entryOf = () => sessionStorage.getItem(memoryKeyOf(network));
    afterEach(() => sessionStorage.clear());

    /** The same page reloaded, as far as the element can tell: a new element on the same auth server. */
    const reload = async (el: AuthChatKit, attributes: Record<string, string> = {}) => {
      el.remove();
      const again = await launcher({ remember: '', ...attributes });
      await waitFor(() => again.state === 'ready');
      return again;
    };

    it('keeps the open panel and the thread for the signed-in user in sessionStorage, never the token', async () => {
      const el = await launcher({ remember: '' });
      el.show();
      await waitFor(() => el.state === 'ready');
      (el.chatkit as FakeChatKit).emit('chatkit.thread.change', { threadId: 'thr_kept' });
      expect(JSON.parse(entryOf()!)).to.deep.equal({ sub: 'user-1', open: true, thread: 'thr_kept' });
      el.close();
      await el.updateComplete;
      expect(JSON.parse(entryOf()!).open).to.equal(false);
      expect(entryOf()).to.not.contain('eyJ');
    });

    it('after a reload: reopened where the user left it, quietly (no event, no focus taken)', async () => {
      const el = await launcher({ remember: '' });
      el.show();
      await waitFor(() => el.state === 'ready');
      (el.chatkit as FakeChatKit).emit('chatkit.thread.change', { threadId: 'thr_kept' });
      events = [];
      const again = await reload(el);
      expect(again.open).to.equal(true);
      expect(panelShown(again)).to.equal(true);
      expect((again.chatkit as FakeChatKit).options.initialThread).to.equal('thr_kept');
      expect(events).to.deep.equal([]);
      expect(document.activeElement === document.body, 'focus stays on the page').to.equal(true);
    });

    it('another user of the browser gets neither the open panel nor the thread; their entry replaces it', async () => {
      sessionStorage.setItem(memoryKeyOf(network), JSON.stringify({ sub: 'someone-else', open: true, thread: 'thr_theirs' }));
      const el = await launcher({ remember: '' });
      await waitFor(() => el.state === 'ready');
      expect(el.open).to.equal(false);
      expect((el.chatkit as FakeChatKit).options.initialThread).to.equal(undefined);
      expect(JSON.parse(entryOf()!)).to.deep.equal({ sub: 'user-1', open: false });
    });

    it('a user changing in the page does not carry the thread over', async () => {
      const el = await launcher({ remember: '', loading: 'eager' });
      await waitFor(() => el.state === 'ready');
      (el.chatkit as FakeChatKit).emit('chatkit.thread.change', { threadId: 'thr_first' });
      network.auth.always(() => Response.json({ token: network.auth.token({ sub: 'user-2' }) }));
      await el.refresh();
      await waitFor(() => (el.chatkit as FakeChatKit | null)?.options.initialThread !== 'thr_first');
      expect((el.chatkit as FakeChatKit).options.initialThread).to.equal(undefined);
      expect(JSON.parse(entryOf()!).sub).to.equal('user-2');
    });

    it('a sign-out forgets', async () => {
      const el = await launcher({ remember: '', open: '' });
      await waitFor(() => el.state === 'ready');
      expect(entryOf()).to.not.equal(null);
      network.auth.always(401);
      await el.refresh();
      expect(el.state).to.equal('signed-out');
      expect(entryOf()).to.equal(null);
    });

    it('without remember nothing is stored', async () => {
      const el = await launcher({ open: '' });
      await waitFor(() => el.state === 'ready');
      expect(sessionStorage.length).to.equal(0);
    });

    it('storage that throws or is absent: the element works all the same', async () => {
      const errors: unknown[] = [];
      const onError = (event: ErrorEvent) => errors.push(event.error);
      window.addEventListener('error', onError);
      const blocked = sinon.stub(browser, 'sessionStorage').throws(new DOMException('blocked', 'SecurityError'));
      try {
        const el = await launcher({ remember: '' });
        el.show();
        await waitFor(() => el.state === 'ready');
        (el.chatkit as FakeChatKit).emit('chatkit.thread.change', { threadId: 'thr_1' });
        el.close();
        await el.updateComplete;
        blocked.returns(undefined);
        const again = await reload(el, { loading: 'eager' });
        expect((again.chatkit as FakeChatKit).options.initialThread).to.equal(undefined);
        expect(errors).to.deep.equal([]);
      } finally {
        blocked.restore();
        window.removeEventListener('error', onError);
      }
    });
  });

  describe('configuration', () => {
    it('a bad position keeps the launcher and shows the error in its panel', async () => {
      const el = await launcher({ position: 'top' });
      expect(el.state).to.equal('error');
      el.show();
      await el.updateComplete;
      expect(partsOf(el).status.textContent).to.contain('position "top" is not right, left.');
      await realTasks();
      expect(network.auth.requests, 'nothing loads for a broken configuration').to.have.length(0);
    });
  });
});
