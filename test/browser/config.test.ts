import { expect } from '@open-wc/testing';
import { defaultChatKitSrc } from '../../src/chatkit-runtime.js';
import { localDomainKey, parseConfig } from '../../src/config.js';
import { AuthChatKitError } from '../../src/errors.js';

const page = { href: 'https://www.example.com/docs/page', origin: 'https://www.example.com' };
const local = { href: 'http://127.0.0.1:8787/', origin: 'http://127.0.0.1:8787' };
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
    expect(parseConfig({ ...base, domainKey: null }, { href: 'http://localhost:3000/', origin: 'http://localhost:3000' }).domainKey).to.equal(localDomainKey);
    const error = configError(() => parseConfig({ ...base, domainKey: '' }, page));
    expect(error.message).to.contain("domain-key is required on www.example.com: add it to OpenAI's domain allow-list");
  });

  it('theme "auto" is the page\'s color scheme; keywords are taken as written', () => {
    expect(parseConfig({ ...base, theme: 'auto' }, { ...page, dark: true }).theme).to.equal('dark');
    expect(parseConfig({ ...base, theme: 'auto' }, { ...page, dark: false }).theme).to.equal('light');
    expect(configError(() => parseConfig({ ...base, theme: ' dark' }, page)).message, 'as written').to.equal('theme " dark" is not light, dark, auto.');
    expect(() => parseConfig({ ...base, mode: 'launcher', position: 'left', loading: 'eager' }, page)).to.not.throw();
    expect(() => parseConfig({ ...base, mode: '', position: '', loading: '' }, page), 'empty: the default').to.not.throw();
    expect(configError(() => parseConfig({ ...base, mode: ' launcher' }, page)).message).to.equal('mode " launcher" is not inline, launcher.');
  });

  it('reads a page of opaque origin (a sandboxed or srcdoc frame) without throwing anything but config errors', () => {
    const opaque = { href: 'about:srcdoc', origin: 'null' };
    const error = configError(() => parseConfig({ ...base, authUrl: 'https://auth.example.com/api/auth', domainKey: null }, opaque));
    expect(error.message).to.contain('domain-key is required on this page');
    const config = parseConfig({ ...base, authUrl: 'https://auth.example.com/api/auth' }, opaque);
    expect(config.popup).to.equal(true);
  });

  it('accepts a tokenProvider instead of auth-url', () => {
    expect(parseConfig({ ...base, authUrl: null, tokenProvider: () => null }, page).authUrl).to.equal(undefined);
    configError(() => parseConfig({ ...base, authUrl: ' ' }, page));
  });

  it('resolves every URL attribute as src and href are: relative paths without a slash, against the base', () => {
    const config = parseConfig({ authUrl: 'api/auth', apiUrl: 'chatkit', chatkitSrc: 'vendor/chatkit.js', loginUrl: 'sign-in', domainKey: 'k' }, page);
    expect(config.authUrl).to.equal('https://www.example.com/docs/api/auth');
    expect(config.apiUrl).to.equal('https://www.example.com/docs/chatkit');
    expect(config.chatkitSrc).to.equal('https://www.example.com/docs/vendor/chatkit.js');
    expect(config.loginUrl).to.equal('https://www.example.com/docs/sign-in');
    const based = parseConfig({ ...base, apiUrl: 'chatkit' }, { href: 'https://cdn.example.net/app/', origin: 'https://www.example.com' });
    expect(based.apiUrl).to.equal('https://cdn.example.net/app/chatkit');
    expect(parseConfig({ ...base, apiUrl: '//chat.example.org/c' }, page).apiUrl).to.equal('https://chat.example.org/c');
  });

  for (const src of ['data:text/javascript,customElements.define("openai-chatkit",class extends HTMLElement{})', 'blob:https://www.example.com/0b1c']) {
    it(`takes chatkit-src as a ${src.slice(0, 5)} URL`, () => {
      expect(parseConfig({ ...base, chatkitSrc: src }, page).chatkitSrc).to.equal(src);
    });
  }

  for (const name of ['authUrl', 'apiUrl', 'loginUrl', 'chatkitSrc'] as const) {
    const attribute = name.replace(/[A-Z]/g, letter => `-${letter.toLowerCase()}`);
    it(`refuses a javascript: URL for ${attribute}, naming the attribute`, () => {
      const error = configError(() => parseConfig({ ...base, [name]: ' JavaScript:alert(1)' }, page));
      expect(error.message).to.match(new RegExp(`^${attribute} "JavaScript:alert\\(1\\)" cannot be a javascript: URL`));
    });
  }

  it('refuses a script URL whose scheme cannot load a script (ftp:, file:, about:)', () => {
    for (const src of ['ftp://example.com/chatkit.js', 'file:///chatkit.js', 'about:blank']) {
      const error = configError(() => parseConfig({ ...base, chatkitSrc: src }, page));
      expect(error.message).to.contain(`chatkit-src "${src}" cannot be a ${src.split(':')[0]}: URL: use http(s), data: or blob:`);
    }
  });

  for (const [name, value] of [['apiUrl', 'ftp://example.com/x'], ['authUrl', 'data:text/html,x'], ['loginUrl', 'mailto:help@example.com'], ['apiUrl', 'blob:https://www.example.com/1']] as const) {
    const attribute = name.replace(/[A-Z]/g, letter => `-${letter.toLowerCase()}`);
    it(`refuses ${value.split(':')[0]}: for ${attribute}: only http(s) can work there`, () => {
      const error = configError(() => parseConfig({ ...base, [name]: value }, page));
      expect(error.message).to.contain(`${attribute} "${value}" cannot be a ${value.split(':')[0]}: URL: use http(s)`);
    });
  }

  it('says "not a URL" only for what cannot be parsed', () => {
    const error = configError(() => parseConfig({ ...base, apiUrl: 'http://' }, page));
    expect(error.message).to.equal('api-url "http://" is not a URL.');
  });

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

  describe('attachments', () => {
    it('maps the accept list onto ChatKit\'s MIME type -> extensions map, nothing added', () => {
      const { attachments } = parseConfig({ ...base, attachments: 'image/*,application/pdf,.txt, .JPG,text/plain' }, page);
      expect(attachments).to.deep.equal({
        enabled: true,
        accept: { 'image/*': [], 'application/pdf': [], 'text/plain': ['.txt'], 'image/jpeg': ['.jpg'] },
      });
      expect(parseConfig(base, page).attachments).to.equal(undefined);
      expect(parseConfig({ ...base, attachments: '' }, page).attachments).to.equal(undefined);
    });

    const sizes: [string, number][] = [['1048576', 1_048_576], ['10MB', 10_000_000], ['10 MB', 10_000_000], ['1.5kb', 1500], ['2KiB', 2048], ['20MiB', 20_971_520], ['1GB', 1e9], ['512 B', 512]];
    for (const [text, bytes] of sizes) {
      it(`attachment-max-size "${text}" is ${bytes} bytes`, () => {
        expect(parseConfig({ ...base, attachments: 'image/png', attachmentMaxSize: text }, page).attachments?.maxSize).to.equal(bytes);
      });
    }

    const bad: [Record<string, string>, string][] = [
      [{ attachments: 'image/png', attachmentMaxSize: '10 parsecs' }, 'attachment-max-size "10 parsecs" is not a size'],
      [{ attachments: 'image/png', attachmentMaxSize: '0' }, 'attachment-max-size "0"'],
      [{ attachments: 'image/png', attachmentMaxSize: '1.5' }, 'attachment-max-size "1.5"'],
      [{ attachments: 'image/png', attachmentMaxSize: '-1MB' }, 'attachment-max-size "-1MB"'],
      [{ attachments: 'image/png', attachmentMaxCount: '0' }, 'attachment-max-count "0"'],
      [{ attachments: 'image/png', attachmentMaxCount: '2.5' }, 'attachment-max-count "2.5"'],
      [{ attachments: 'images' }, 'attachments "images" is neither a MIME type'],
      [{ attachments: '.exe' }, 'attachments ".exe"'],
      [{ attachments: ' , ' }, 'lists no type'],
      [{ attachmentMaxSize: '1MB' }, 'attachment-max-size needs attachments'],
      [{ attachmentMaxCount: '2' }, 'attachment-max-count needs attachments'],
    ];
    for (const [raw, message] of bad) {
      it(`refuses ${JSON.stringify(raw)}, naming the attribute`, () => {
        expect(configError(() => parseConfig({ ...base, ...raw }, page)).message).to.contain(message);
      });
    }
  });
});
