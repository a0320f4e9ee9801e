import { expect } from '@open-wc/testing';
import { defaultChatKitSrc } from '../../src/chatkit-runtime.js';
import { localDomainKey, parseConfig } from '../../src/config.js';
import { AuthChatKitError } from '../../src/errors.js';

const page = { href: 'https://www.example.com/docs/page', hostname: 'www.example.com' };
const local = { href: 'http://127.0.0.1:8787/', hostname: '127.0.0.1' };
const base = { authUrl: '/api/auth', apiUrl: 'https://chat.example.com/chatkit', domainKey: 'domain_pk_1' };

function configError(run: () => unknown): AuthChatKitError {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(AuthChatKitError);
    expect((error as AuthChatKitError).code).to.equal('config');
    return error as AuthChatKitError;
  }
  throw new Error('expected a config error');
}

describe('parseConfig', () => {
  it('resolves URLs against the page and applies defaults', () => {
    const config = parseConfig(base, page);
    expect(config.authUrl).to.equal('https://www.example.com/api/auth');
    expect(config.chatkitSrc).to.equal(defaultChatKitSrc);
    expect(config.leewayMs).to.equal(undefined);
    expect(parseConfig({ ...base, refreshLeeway: '90' }, page).leewayMs).to.equal(90_000);
    expect(parseConfig({ ...base, loginUrl: '../sign-in' }, page).loginUrl).to.equal('https://www.example.com/sign-in');
    expect(parseConfig({ ...base, loginUrl: '#account' }, page).loginUrl).to.equal('https://www.example.com/docs/page#account');
  });

  it('uses a placeholder domain key on loopback hosts only', () => {
    expect(parseConfig({ ...base, domainKey: null }, local).domainKey).to.equal(localDomainKey);
    expect(parseConfig({ ...base, domainKey: null }, { href: 'http://localhost:3000/', hostname: 'localhost' }).domainKey).to.equal(localDomainKey);
    const error = configError(() => parseConfig({ ...base, domainKey: '' }, page));
    expect(error.message).to.contain("domain-key is required on www.example.com: add it to OpenAI's domain allow-list");
  });

  it('accepts a tokenProvider instead of auth-url', () => {
    expect(parseConfig({ ...base, authUrl: null, tokenProvider: () => null }, page).authUrl).to.equal(undefined);
    configError(() => parseConfig({ ...base, authUrl: ' ' }, page));
  });

  for (const value of ['chat', 'ftp://example.com/x', 'javascript:alert(1)', 'data:text/html,x', 'http://']) {
    it(`rejects "${value}" as a URL`, () => {
      const error = configError(() => parseConfig({ ...base, apiUrl: value }, page));
      expect(error.message).to.contain(`api-url "${value}" is not a URL`);
    });
  }

  it('reads values set from JavaScript as text: a number, a URL object', () => {
    const config = parseConfig({ ...base, refreshLeeway: 30 as unknown as string, apiUrl: new URL(base.apiUrl) as unknown as string }, page);
    expect(config.leewayMs).to.equal(30_000);
    expect(config.apiUrl).to.equal(base.apiUrl);
    const error = configError(() => parseConfig({ ...base, refreshLeeway: -1 as unknown as string }, page));
    expect(error.message).to.contain('refresh-leeway "-1"');
  });

  for (const leeway of ['-5', 'soon', '1e3', '60s']) {
    it(`rejects refresh-leeway "${leeway}"`, () => {
      configError(() => parseConfig({ ...base, refreshLeeway: leeway }, page));
    });
  }
});
