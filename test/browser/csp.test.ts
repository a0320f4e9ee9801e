// A page under a strict Content Security Policy, in a frame of its own (fixtures/strict-csp.html):
// `script-src 'self'` plus a nonce. The ChatKit script the element inserts (a data: URL there, which
// 'self' does not cover) runs only when the element was given the page's nonce.
import { expect } from '@open-wc/testing';
import { waitFor } from './support/time.js';

interface Framed {
  defined: boolean;
  violations: string[];
}

async function underPolicy(query: string): Promise<Framed> {
  const frame = Object.assign(document.createElement('iframe'), { src: `/test/browser/fixtures/strict-csp.html${query}` });
  document.body.append(frame);
  try {
    const win = () => frame.contentWindow as Window & { violations?: string[] };
    await waitFor(() => win().customElements?.get('auth-chatkit') !== undefined, 10_000);
    await waitFor(() => win().customElements.get('openai-chatkit') !== undefined || (win().violations?.length ?? 0) > 0);
    return { defined: win().customElements.get('openai-chatkit') !== undefined, violations: win().violations ?? [] };
  } finally {
    frame.remove();
  }
}

describe('a strict Content Security Policy', () => {
  it('blocks the ChatKit script without the nonce attribute', async () => {
    expect(await underPolicy('')).to.deep.equal({ defined: false, violations: ['script-src-elem data'] });
  });

  it('allows it with nonce="…" on <auth-chatkit>, copied onto the script', async () => {
    expect(await underPolicy('?nonce')).to.deep.equal({ defined: true, violations: [] });
  });
});

describe("the README's 'strict-dynamic' policy and injected markup", () => {
  async function framed(query: string) {
    const frame = Object.assign(document.createElement('iframe'), { src: `/test/browser/fixtures/strict-dynamic.html${query}` });
    document.body.append(frame);
    try {
      const win = () => frame.contentWindow as Window & { ran?: boolean; errors?: string[] };
      await waitFor(() => win().customElements?.get('auth-chatkit') !== undefined, 10_000);
      await waitFor(() => win().ran === true || (win().errors?.length ?? 0) > 0);
      return { ran: win().ran === true, errors: win().errors, state: win().document.querySelector('auth-chatkit')!.getAttribute('state') };
    } finally {
      frame.remove();
    }
  }

  it('an injected <auth-chatkit chatkit-src="data:…"> runs no script: a config error', async () => {
    expect(await framed('')).to.deep.equal({ ran: false, errors: ['config'], state: 'error' });
  });

  it('the page’s own script may set a data: URL through the chatkitSrc property', async () => {
    const { ran } = await framed('?property');
    expect(ran).to.equal(true);
  });
});
