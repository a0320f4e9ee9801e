// In its own page: the elements are created, configured and connected BEFORE <auth-chatkit> is
// defined, as on a page whose script tag comes after the markup (or loads late).
import { expect } from '@open-wc/testing';
import type { AuthChatKit } from '../../src/auth-chatkit.js';
import { panelShown } from './support/element.js';
import { fakeChatKitSrc } from './support/fake-chatkit.js';
import { FakeNetwork } from './support/fake-network.js';
import { waitFor } from './support/time.js';

describe('launcher: open before the element is defined', () => {
  it('the open attribute and the open property set before the upgrade both open the panel, and start loading', async () => {
    const network = new FakeNetwork().install();
    const events: string[] = [];
    // three launchers told apart by id (identical ones would show one button: chat-identity.ts)
    const create = (id: string) => {
      const el = Object.assign(document.createElement('auth-chatkit') as AuthChatKit, { id });
      for (const [name, value] of Object.entries({ mode: 'launcher', 'auth-url': network.authUrl, 'api-url': network.apiUrl, 'chatkit-src': fakeChatKitSrc })) {
        el.setAttribute(name, value);
      }
      el.addEventListener('auth-chatkit-open', () => events.push('open'));
      document.body.append(el);
      return el;
    };
    const byAttribute = create('by-attribute');
    byAttribute.setAttribute('open', '');
    const byProperty = create('by-property');
    byProperty.open = true; // an own property of a not yet upgraded element: Lit takes it over on upgrade
    const closed = create('closed');
    try {
      expect(customElements.get('auth-chatkit')).to.equal(undefined);
      await import('../../src/define.js');
      await Promise.all([byAttribute, byProperty, closed].map(el => el.updateComplete));
      expect([panelShown(byAttribute), panelShown(byProperty), panelShown(closed)]).to.deep.equal([true, true, false]);
      expect(byProperty.hasAttribute('open'), 'reflected').to.equal(true);
      await waitFor(() => byAttribute.state === 'ready' && byProperty.state === 'ready');
      expect(closed.state, 'the closed one waits for intent').to.equal('idle');
      expect(network.auth.requests, 'one token, shared').to.have.length(1);
      expect(events, 'the state they start in is not a change').to.deep.equal([]);
    } finally {
      for (const el of [byAttribute, byProperty, closed]) el.remove();
      network.restore();
    }
  });
});
