// Trusted Types: the fixture page (fixtures/trusted-types.html, in a frame of its own) served with a
// Content Security Policy that requires them, with the directive the README gives and with others.
// The element loads ChatKit through its own policy, `auth-chatkit`, and reports every refusal.
import { expect } from '@open-wc/testing';
import { waitFor } from './support/time.js';

interface Record {
  violations: string[];
  errors: { code: string; message: string }[];
  uncaught: string[];
}

const base = "script-src 'self' 'nonce-n0nce'; require-trusted-types-for 'script'";

/** The fixture under `csp`: whether each element got defined, and what the page recorded once it settled. */
async function underPolicy(csp: string, settled: (record: Record) => boolean = () => true) {
  const frame = Object.assign(document.createElement('iframe'), { src: `/test/browser/fixtures/trusted-types.html?csp=${encodeURIComponent(csp)}` });
  document.body.append(frame);
  try {
    const win = () => frame.contentWindow as Window & { record?: Record };
    await waitFor(() => win().customElements?.get('auth-chatkit') !== undefined || (win().record?.uncaught.length ?? 0) > 0, 10_000);
    const element = win().document.querySelector('auth-chatkit')!;
    await waitFor(() => win().customElements.get('openai-chatkit') !== undefined || win().record!.errors.some(({ code }) => code !== 'server'));
    await waitFor(() => settled(win().record!)); // a violation report comes in a task of its own
    const { violations, errors, uncaught } = win().record!;
    return {
      element: win().customElements.get('auth-chatkit') !== undefined,
      chatkit: win().customElements.get('openai-chatkit') !== undefined,
      state: element.getAttribute('state'),
      violations,
      // the auth server is absent (a `server` error): only what Trusted Types did counts here
      errors: errors.filter(({ code }) => code !== 'server').map(({ code, message }) => ({ code, message: /trusted-types auth-chatkit lit-html/.test(message) })),
      uncaught,
    };
  } finally {
    frame.remove();
  }
}

describe("Trusted Types (require-trusted-types-for 'script')", () => {
  it('required, no allow-list: ChatKit loads through the auth-chatkit policy', async () => {
    const result = await underPolicy(base);
    expect(result).to.include({ element: true, chatkit: true });
    expect(result.violations).to.deep.equal([]);
    expect(result.errors).to.deep.equal([]);
  });

  it("the README's directive, trusted-types auth-chatkit lit-html: ChatKit loads", async () => {
    const result = await underPolicy(`${base}; trusted-types auth-chatkit lit-html`);
    expect(result).to.include({ element: true, chatkit: true });
    expect(result.violations).to.deep.equal([]);
    expect(result.errors).to.deep.equal([]);
  });

  it('auth-chatkit left out of the allow-list: a chatkit-load error naming the directive', async () => {
    const result = await underPolicy(`${base}; trusted-types lit-html`, ({ violations }) => violations.length > 0);
    expect(result).to.include({ element: true, chatkit: false, state: 'error' });
    expect(result.errors).to.deep.equal([{ code: 'chatkit-load', message: true }]);
    expect(result.violations).to.deep.equal(['trusted-types trusted-types-policy']);
  });

  it('an allow-list without lit-html (trusted-types default dompurify): still defined, a config error naming the directive', async () => {
    const result = await underPolicy(`${base}; trusted-types default dompurify`);
    expect(result).to.include({ element: true, chatkit: false, state: 'error' });
    expect(result.errors).to.deep.equal([{ code: 'config', message: true }]);
    expect(result.uncaught).to.deep.equal([]);
  });
});
