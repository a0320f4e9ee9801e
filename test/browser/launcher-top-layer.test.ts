// The launcher's button in the top layer: it stays in its corner whatever its ancestors' styles
// (an ancestor with transform, filter, will-change: transform or contain: paint is what a fixed box
// is placed in otherwise, so it scrolled away with the page), and keeps its keyboard and
// assistive-technology behaviour there.
import 'axe-core';
import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys, setViewport } from '@web/test-runner-commands';
import type { AxeResults } from 'axe-core';
import '../../src/define.js';
import type { AuthChatKit } from '../../src/auth-chatkit.js';
import { partsOf, panelShown } from './support/element.js';
import { fakeChatKitSrc } from './support/fake-chatkit.js';
import { FakeNetwork } from './support/fake-network.js';

declare const axe: { run(context: Element, options?: object): Promise<AxeResults> };

const desktop = { width: 1280, height: 800 };

describe('the launcher under a transformed, filtered or contained ancestor', () => {
  let network: FakeNetwork;
  beforeEach(async () => {
    await setViewport(desktop);
    network = new FakeNetwork().install();
  });
  afterEach(() => {
    network.restore();
    scrollTo(0, 0);
  });

  /** A launcher inside a tall box with `style`, the page scrolled down by 600 px. */
  async function inside(style: string): Promise<AuthChatKit> {
    const box = await fixture<HTMLDivElement>(html`<div style="${style}; height: 3000px; margin-top: 200px"></div>`);
    const el = document.createElement('auth-chatkit');
    const attributes = { mode: 'launcher', 'auth-url': network.authUrl, 'api-url': network.apiUrl, 'chatkit-src': fakeChatKitSrc };
    for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
    box.append(el);
    await el.updateComplete;
    scrollTo(0, 600);
    return el;
  }

  for (const style of ['transform: translateZ(0)', 'filter: blur(0)', 'will-change: transform', 'contain: paint']) {
    it(`${style}: the button stays in the viewport's corner as the page scrolls`, async () => {
      const el = await inside(style);
      const box = partsOf(el).launcher.getBoundingClientRect();
      expect([box.right, box.bottom, box.width]).to.deep.equal([desktop.width - 20, desktop.height - 20, 56]);
      const hit = el.shadowRoot!.elementFromPoint(desktop.width - 48, desktop.height - 48);
      expect(hit?.closest('[part=launcher]') === partsOf(el).launcher, 'nothing covers it').to.equal(true);
    });
  }

  it('in the top layer it keeps its tab order, name and state, and axe-core finds no violations', async () => {
    const before = await fixture<HTMLButtonElement>(html`<button>before</button>`);
    const el = await inside('transform: translateZ(0)');
    const { launcher } = partsOf(el);
    expect(launcher.matches(':popover-open')).to.equal(true);
    before.focus();
    await sendKeys({ press: 'Tab' });
    expect(el.shadowRoot!.activeElement === launcher, 'Tab reaches the launcher').to.equal(true);
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    expect(panelShown(el)).to.equal(true);
    expect(launcher.getAttribute('aria-expanded')).to.equal('true');
    for (const animation of partsOf(el).panel.getAnimations()) animation.finish(); // no contrast check mid-fade
    const results = await axe.run(el);
    expect(results.violations.map(({ id, nodes }) => `${id}: ${nodes.map(node => node.failureSummary).join()}`)).to.deep.equal([]);
    el.close();
    await el.updateComplete;
    expect(launcher.matches(':popover-open'), 'still shown once the panel closed').to.equal(true);
  });
});
