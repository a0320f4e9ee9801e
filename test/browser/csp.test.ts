// A page under a strict Content Security Policy, in a frame of its own: `script-src 'self'` plus a
// nonce. The ChatKit script the element inserts (a data: URL here, which 'self' does not cover) runs
// only when the element was given the page's nonce.
import { expect } from '@open-wc/testing';
import { waitFor } from './support/time.js';

const runtime = `data:text/javascript,${encodeURIComponent("customElements.define('openai-chatkit', class extends HTMLElement { setOptions() {} })")}`;

interface Framed {
  defined: boolean;
  violations: string[];
}

/**
 * The element in a page whose policy allows scripts from 'self' and with the nonce `n0nce` only
 * (an about:srcdoc page has no hostname: the domain key is given).
 */
async function underPolicy(nonceAttribute: string): Promise<Framed> {
  const frame = document.createElement('iframe');
  frame.srcdoc = `<!doctype html><meta http-equiv="Content-Security-Policy" content="script-src 'self' 'nonce-n0nce'">
<script nonce="n0nce">window.violations = []; document.addEventListener('securitypolicyviolation', event => violations.push(event.violatedDirective + ' ' + event.blockedURI));</script>
<script type="module" src="/src/define.ts"></script>
<auth-chatkit auth-url="/no-auth-here" api-url="/chatkit" domain-key="domain_pk_test" chatkit-src="${runtime}" ${nonceAttribute}></auth-chatkit>`;
  document.body.append(frame);
  try {
    const win = () => frame.contentWindow as Window & { violations?: string[] };
    await waitFor(() => win().customElements?.get('auth-chatkit') !== undefined);
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
    expect(await underPolicy('nonce="n0nce"')).to.deep.equal({ defined: true, violations: [] });
  });
});
