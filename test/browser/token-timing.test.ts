import { expect } from '@open-wc/testing';
import { decodeJwt } from 'jose';
import { AuthChatKitError } from '../../src/errors.js';
import { backoffDelay, decodeClaims, defaultPolicy, isUsable, timeToken } from '../../src/token-timing.js';
import { base64url as b64, fakeJwt } from './support/jwt.js';

const header = b64(JSON.stringify({ alg: 'EdDSA' }));

/** Whether jose's decodeJwt accepts `token` (and what it returns). */
function jose(token: string): { ok: true; claims: unknown } | { ok: false } {
  try {
    return { ok: true, claims: decodeJwt(token) };
  } catch {
    return { ok: false };
  }
}

describe('decodeClaims', () => {
  const cases: [string, string][] = [
    ['a JWT', fakeJwt({ sub: 'u', iat: 1, exp: 2 })],
    ['non-ASCII claims', fakeJwt({ sub: 'u', name: 'Zoë 🦊 Ñandú', exp: 2 })],
    ['claims whose base64url needs - and _', `${header}.${b64(JSON.stringify({ sub: '>>>???', exp: 3 }))}.sig`],
    ['an empty string', ''],
    ['not a JWT', 'not-a-jwt'],
    ['two segments', `${header}.${b64('{}')}`],
    ['five segments (JWE)', `${header}.a.b.c.d`],
    ['an empty payload', `${header}..sig`],
    ['a payload that is not base64url', `${header}.@@@.sig`],
    ['base64 (not url) characters', `${header}.${btoa(JSON.stringify({ s: '>>>???' }))}.sig`],
    ['a payload that is not JSON', `${header}.${b64('not json')}.sig`],
    ['a JSON array', `${header}.${b64('[1,2]')}.sig`],
    ['JSON null', `${header}.${b64('null')}.sig`],
    ['a JSON string', `${header}.${b64('"x"')}.sig`],
    ['invalid UTF-8', `${header}.${btoa('{"a":"\xff"}').replace(/=+$/, '')}.sig`],
  ];
  for (const [what, token] of cases) {
    it(`agrees with jose's decodeJwt on ${what}`, () => {
      const expected = jose(token);
      let actual: { ok: true; claims: unknown } | { ok: false; error: unknown };
      try {
        actual = { ok: true, claims: decodeClaims(token) };
      } catch (error) {
        actual = { ok: false, error };
      }
      expect(actual.ok).to.equal(expected.ok);
      if (expected.ok && actual.ok) expect(actual.claims).to.deep.equal(expected.claims);
      if (!actual.ok) {
        expect(actual.error).to.be.instanceOf(AuthChatKitError);
        expect((actual.error as AuthChatKitError).code).to.equal('malformed-token');
      }
    });
  }
});

describe('timeToken', () => {
  const requestedAt = 1_000_000;

  it('places expiry at request start + (exp - iat), less a second for iat rounding', () => {
    // claims from a server whose clock is hours away from ours
    const token = timeToken(fakeJwt({ iat: 50, exp: 950 }), requestedAt, requestedAt + 300, defaultPolicy);
    expect(token.expiresAt).to.equal(requestedAt + 899_000);
    expect(token.refreshAt).to.equal(requestedAt + 0.8 * 899_000);
  });

  it('falls back to exp on the local clock without iat', () => {
    const exp = (requestedAt + 600_000) / 1000;
    const token = timeToken(fakeJwt({ exp }), requestedAt, requestedAt, defaultPolicy);
    expect(token.expiresAt).to.equal(exp * 1000);
  });

  it('refreshes no later than the leeway before expiry when the lifetime allows', () => {
    const token = timeToken(fakeJwt({ iat: 0, exp: 121 }), requestedAt, requestedAt, defaultPolicy);
    expect(token.expiresAt - token.refreshAt).to.equal(60_000);
  });

  it('falls back to the ratio for lifetimes shorter than the leeway', () => {
    const token = timeToken(fakeJwt({ iat: 0, exp: 11 }), requestedAt, requestedAt, defaultPolicy);
    expect(token.refreshAt - requestedAt).to.equal(8_000);
    expect(token.minValidityMs).to.equal(2_500); // a quarter of 10 s, under the 5 s default
  });

  it('rejects a token without exp, and one already expired', () => {
    expect(() => timeToken(fakeJwt({ iat: 1 }), requestedAt, requestedAt, defaultPolicy)).to.throw(AuthChatKitError, /exp/);
    const expired = fakeJwt({ exp: requestedAt / 1000 - 1 });
    expect(() => timeToken(expired, requestedAt, requestedAt, defaultPolicy)).to.throw(AuthChatKitError, /expired/);
  });

  it('hands a token out only while it stays valid for its minimum validity', () => {
    const token = timeToken(fakeJwt({ iat: 0, exp: 901 }), requestedAt, requestedAt, defaultPolicy);
    expect(isUsable(token, token.expiresAt - 5_001)).to.equal(true);
    expect(isUsable(token, token.expiresAt - 5_000)).to.equal(false);
    expect(isUsable(undefined, 0)).to.equal(false);
  });
});

describe('backoffDelay', () => {
  it('draws full jitter under a ceiling doubling from 1 s to 60 s, never under 100 ms', () => {
    const ceilings = [0, 1, 2, 3, 4, 5, 6, 7, 20].map(attempt => backoffDelay(attempt, () => 1));
    expect(ceilings).to.deep.equal([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    expect(backoffDelay(3, () => 0.5)).to.equal(4_000);
    expect(backoffDelay(0, () => 0)).to.equal(100);
  });
});
