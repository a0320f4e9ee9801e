// The full-screen panel on a phone follows the visual viewport: a phone's keyboard (iOS Safari)
// shrinks only the visual viewport, and a panel of the layout viewport's height would push its close
// button and ChatKit's header off screen while the user types. The visual viewport is a test double
// here (browser.visualViewport, the seam): Chromium's own changes only with a real keyboard or zoom.
import { expect } from '@open-wc/testing';
import { setViewport } from '@web/test-runner-commands';
import sinon from 'sinon';
import '../../src/define.js';
import { browser } from '../../src/browser.js';
import { mountElement, openSettled, partsOf } from './support/element.js';
import { FakeNetwork } from './support/fake-network.js';

const phone = { width: 375, height: 667 };

/** A visual viewport the test moves: what the browser's `visualViewport` reports, and its events. */
class FakeVisualViewport extends EventTarget {
  offsetTop = 0;
  height = phone.height;
  listeners = 0;
  override addEventListener(...args: Parameters<EventTarget['addEventListener']>): void {
    this.listeners++;
    (args[2] as AddEventListenerOptions).signal!.addEventListener('abort', () => this.listeners--);
    super.addEventListener(...args);
  }
  /** The keyboard coming up: the visual viewport `height` high, scrolled `offsetTop` into the layout viewport. */
  move(offsetTop: number, height: number): void {
    Object.assign(this, { offsetTop, height });
    this.dispatchEvent(new Event('resize'));
    this.dispatchEvent(new Event('scroll'));
  }
}

describe('the full-screen panel and the visual viewport (a phone keyboard)', () => {
  let network: FakeNetwork;
  let viewport: FakeVisualViewport;
  beforeEach(async () => {
    await setViewport(phone);
    network = new FakeNetwork().install();
    viewport = new FakeVisualViewport();
    sinon.stub(browser, 'visualViewport').returns(viewport as unknown as VisualViewport);
  });
  afterEach(async () => {
    sinon.restore();
    network.restore();
    await setViewport({ width: 1280, height: 800 });
  });

  const boxOf = (element: Element) => {
    const { top, bottom, height } = element.getBoundingClientRect();
    return { top, bottom, height };
  };

  it('the panel covers the visual viewport as the keyboard comes and goes; its close button stays on screen', async () => {
    const el = await mountElement(network, { mode: 'launcher' });
    await openSettled(el);
    const { panel, close } = partsOf(el);
    expect(boxOf(panel)).to.deep.equal({ top: 0, bottom: phone.height, height: phone.height });

    viewport.move(120, 300);
    expect(boxOf(panel)).to.deep.equal({ top: 120, bottom: 420, height: 300 });
    const button = boxOf(close);
    expect(button.top >= 120 && button.bottom <= 420, `the close button is in the visual viewport: ${JSON.stringify(button)}`).to.equal(true);

    viewport.move(0, phone.height);
    expect(boxOf(panel)).to.deep.equal({ top: 0, bottom: phone.height, height: phone.height });
  });

  it('stops following once closed, and a desktop panel never follows', async () => {
    const el = await mountElement(network, { mode: 'launcher' });
    await openSettled(el);
    expect(viewport.listeners).to.be.greaterThan(0);
    el.close();
    await el.updateComplete;
    expect(viewport.listeners).to.equal(0);
    const { style } = partsOf(el).panel;
    expect([style.getPropertyValue('--_vv-top'), style.getPropertyValue('--_vv-height')]).to.deep.equal(['', '']);

    await setViewport({ width: 1280, height: 800 });
    await openSettled(el);
    expect(viewport.listeners, 'a popover in the corner').to.equal(0);
  });
});
