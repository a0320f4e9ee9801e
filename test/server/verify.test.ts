// The package's verifier (auth-chatkit/server's createVerifier) on its own, with real jose keys and a
// real Better Auth server: its defaults, the auth matrix (each refusal a 401 with its code, and the
// reason reported to onRejected without the token), jku/x5u never followed, forged kids and the
// rate-limited reload, a JWKS that cannot be fetched (503), and the verified-token cache.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'jose';
import { createVerifier } from '../../src/server/index.js';
import type { AuthResult, Rejection, Verifier, VerifierOptions } from '../../src/server/index.js';
import { badTokens, matrixServers, now, serverJwks } from './bad-tokens.js';
import type { MatrixServers } from './bad-tokens.js';
import { closedPort, decodePart, LIMIT, listen } from './helpers.js';
import type { TestServer } from './helpers.js';

/** A verifier that records what it reports to onRejected. */
function recordingVerifier(options: VerifierOptions): { verifier: Verifier; rejections: Rejection[] } {
  const rejections: Rejection[] = [];
  return { verifier: createVerifier({ ...options, onRejected: rejection => void rejections.push(rejection) }), rejections };
}

function assertRefused(result: AuthResult, status: number, code: string, label: string): void {
  assert.equal(result.ok, false, `${label}: refused`);
  if (result.ok) return;
  assert.equal(result.status, status, label);
  assert.equal(result.code, code, label);
}

/** A JWKS of the test's own on loopback, serving `keys` (change them to rotate), counting requests. */
async function jwksServer() {
  const keys: JWK[] = [];
  const requests: string[] = [];
  const server = await listen((request, response) => {
    requests.push(request.url ?? '');
    response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  return { ...server, jwksUrl: `${server.url}/jwks`, keys, requests };
}

async function signingKey(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  return { jwk: { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA' }, privateKey };
}

describe('createVerifier: defaults from the auth server’s URL', LIMIT, () => {
  test('authUrl: the JWKS at {authUrl}/jwks, issuer and audience its origin, EdDSA, 5 s, 10,000 tokens, 10 s, 5 s', () => {
    for (const authUrl of ['https://auth.example.com/api/auth', 'https://auth.example.com/api/auth/', new URL('https://auth.example.com/api/auth')]) {
      assert.deepEqual(createVerifier({ authUrl }).config, {
        jwksUrl: 'https://auth.example.com/api/auth/jwks',
        issuer: 'https://auth.example.com',
        audience: 'https://auth.example.com',
        algorithms: ['EdDSA'],
        clockTolerance: 5,
        cacheSize: 10_000,
        reloadIntervalMs: 10_000,
        timeoutMs: 5_000,
      });
    }
  });

  test('the config is frozen: changing it cannot change what the verifier accepts', () => {
    const { config } = createVerifier({ authUrl: 'https://auth.example.com/api/auth', audience: ['a', 'b'] });
    assert.throws(() => Object.assign(config, { issuer: 'https://evil.example' }), TypeError);
    assert.throws(() => (config.algorithms as string[]).push('HS256'), TypeError);
    assert.throws(() => (config.audience as string[]).push('c'), TypeError);
  });

  test('jwksUrl alone: issuer and audience are its origin; every default can be overridden', () => {
    const derived = createVerifier({ jwksUrl: 'http://auth.internal:8787/keys.json' }).config;
    assert.equal(derived.issuer, 'http://auth.internal:8787');
    assert.equal(derived.audience, 'http://auth.internal:8787');
    const options = {
      authUrl: 'https://auth.example.com/api/auth',
      jwksUrl: 'https://keys.example.com/jwks',
      issuer: 'https://issuer.example.com',
      audience: ['https://chat.example.com', 'chat-api'],
      algorithms: ['EdDSA', 'ES256'],
      clockTolerance: 0,
      cacheSize: 0,
      reloadIntervalMs: 60_000,
      timeoutMs: 1_000,
    };
    const { authUrl: _authUrl, ...expected } = options;
    assert.deepEqual(createVerifier(options).config, expected, 'as given');
  });

  test('unusable options: a TypeError at once, naming the option', () => {
    const cases: [VerifierOptions, RegExp][] = [
      [{}, /set authUrl/],
      [{ authUrl: '/api/auth' }, /authUrl must be an absolute http\(s\) URL/],
      [{ authUrl: 'ftp://auth.example.com/api/auth' }, /authUrl must be/],
      [{ jwksUrl: 'not a url' }, /jwksUrl must be/],
      [{ authUrl: 'https://a.example/api/auth', algorithms: ['none'] }, /algorithms/],
      [{ authUrl: 'https://a.example/api/auth', algorithms: [] }, /algorithms/],
      [{ authUrl: 'https://a.example/api/auth', issuer: '' }, /issuer must be/],
      [{ authUrl: 'https://a.example/api/auth', audience: [] }, /audience must be/],
      [{ authUrl: 'https://a.example/api/auth', clockTolerance: -1 }, /clockTolerance/],
      [{ authUrl: 'https://a.example/api/auth', cacheSize: 1.5 }, /cacheSize/],
      [{ authUrl: 'https://a.example/api/auth', timeoutMs: 0 }, /timeoutMs/],
      [{ authUrl: 'https://a.example/api/auth', reloadIntervalMs: Number.NaN }, /reloadIntervalMs/],
    ];
    for (const [options, message] of cases) assert.throws(() => createVerifier(options), (error: unknown) => error instanceof TypeError && message.test(error.message), JSON.stringify(options));
  });
});

describe('the auth matrix, against a real Better Auth server’s JWKS over HTTP', LIMIT, () => {
  let matrix: MatrixServers;
  let server: TestServer;
  let user: MatrixServers['user'];
  before(async () => {
    matrix = await matrixServers();
    ({ server, user } = matrix);
  });
  after(() => matrix.stop());

  test('a real token: its identity, verified once, then answered from the cache without a promise', async () => {
    const { verifier, rejections } = recordingVerifier({ authUrl: `${server.url}/api/auth` });
    const first = await verifier.authenticate(`Bearer ${user.token}`);
    assert.ok(first.ok, 'accepted');
    assert.equal(first.identity.sub, user.userId);
    assert.equal(first.identity.name, 'Grace');
    assert.deepEqual(first.identity.claims, decodePart(user.token, 1));
    const again = verifier.authenticate(`bearer ${user.token}`);
    assert.ok(!(again instanceof Promise), 'synchronous from the cache');
    assert.deepEqual(again, first);
    assert.deepEqual(verifier.cached(user.token), first.identity);
    assert.deepEqual(verifier.stats, { jwksFetches: 1, jwksForcedReloads: 0, tokenVerifications: 1, tokenCacheHits: 2 });
    assert.deepEqual(rejections, []);
  });

  test('no header, another scheme, no token after Bearer: 401 missing_token, reported without the header', async () => {
    const { verifier, rejections } = recordingVerifier({ authUrl: `${server.url}/api/auth` });
    for (const header of [undefined, null, '', 'Basic dXNlcjpwYXNz', `Token ${user.token}`, 'Bearer ', user.token, `Bearer ${user.token} extra`]) {
      const result = verifier.authenticate(header, { method: 'POST', path: '/chat' });
      assert.ok(!(result instanceof Promise), 'refused at once');
      assertRefused(result, 401, 'missing_token', String(header));
      assert.equal(result.ok || result.headers['WWW-Authenticate'], 'Bearer realm="auth-chatkit"');
    }
    assert.equal(rejections.length, 8);
    for (const rejection of rejections) {
      assert.equal(rejection.reason, 'missing_token');
      assert.deepEqual(rejection.request, { method: 'POST', path: '/chat' });
      assert.ok(!rejection.detail.includes(user.token.split('.')[2]!), rejection.detail);
    }
    assert.equal(verifier.stats.jwksFetches, 0, 'nothing fetched for no token');
  });

  test('every bad token: 401 with its code, WWW-Authenticate invalid_token, its reason reported, never the token', async () => {
    const { verifier, rejections } = recordingVerifier({ authUrl: `${server.url}/api/auth` });
    const cases = await badTokens(matrix);
    for (const { label, token, code, reason } of cases) {
      const before = rejections.length;
      const result = await verifier.authenticate(`Bearer ${token}`, { method: 'POST', path: '/chatkit' });
      assertRefused(result, 401, code, label);
      assert.equal(result.ok || result.headers['WWW-Authenticate'], 'Bearer error="invalid_token"', label);
      assert.equal(rejections.length, before + 1, `${label}: reported once`);
      const rejection = rejections.at(-1)!;
      assert.equal(rejection.reason, reason, `${label}: ${rejection.detail}`);
      assert.equal(rejection.code, code);
      assert.ok(!rejection.detail.includes('\n') && rejection.detail.length <= 300, `${label}: one line`);
      const signature = token.split('.')[2];
      if (signature && signature.length > 20) assert.ok(!rejection.detail.includes(signature), `${label}: no signature in ${rejection.detail}`);
    }
    const byReason = Object.fromEntries(rejections.map(rejection => [rejection.reason, rejection.detail]));
    assert.equal(byReason.audience, `"aud" is "https://elsewhere.example", expected ${JSON.stringify(server.url)}`);
    assert.equal(byReason.issuer, `"iss" is "https://elsewhere.example", expected ${JSON.stringify(server.url)}`);
    assert.match(byReason.algorithm ?? '', /^"alg" is "HS256", expected \["EdDSA"\]$/);
    assert.match(byReason.expired ?? '', /^"exp" is \d{4}-\d\d-\d\dT.*Z, past$/);
    // the other instance's kid is unknown: one forced reload for the first, none for the others
    assert.equal(verifier.stats.jwksForcedReloads, 1);
    assert.equal(verifier.stats.jwksFetches, 2);
  });

  test('another spelling of a real token (padding, spare bits set) is refused as malformed before any verification', async () => {
    const { verifier, rejections } = recordingVerifier({ authUrl: `${server.url}/api/auth` });
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const spellings: string[] = [];
    const parts = user.token.split('.');
    parts.forEach((part, index) => {
      const respell = (segment: string) => parts.map((other, at) => (at === index ? segment : other)).join('.');
      spellings.push(respell(`${part}=`), respell(`${part}==`));
      const spare = part.length % 4 === 2 ? 0b1111 : part.length % 4 === 3 ? 0b11 : 0;
      // the last character's unused low bits: the same bytes, another string
      if (spare) spellings.push(respell(part.slice(0, -1) + alphabet[alphabet.indexOf(part.at(-1)!) | spare]!));
    });
    assert.ok(spellings.length >= 7, `${spellings.length} spellings`);
    for (const spelling of spellings) {
      assert.notEqual(spelling, user.token);
      const result = await verifier.authenticate(`Bearer ${spelling}`);
      assertRefused(result, 401, 'invalid_token', spelling);
    }
    assert.deepEqual(rejections.map(rejection => rejection.reason), spellings.map(() => 'malformed'));
    assert.equal(verifier.stats.tokenVerifications, 0, 'refused before verifying');
    assert.ok((await verifier.authenticate(`Bearer ${user.token}`)).ok, 'the canonical spelling still passes');
  });

  test('jku and x5u headers are never fetched, whatever key they point to', async () => {
    const attacker = await signingKey('attacker-key');
    const requests: string[] = [];
    const trap = await listen((request, response) => {
      requests.push(request.url ?? '');
      response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: [attacker.jwk] }));
    });
    try {
      const { verifier, rejections } = recordingVerifier({ authUrl: `${server.url}/api/auth` });
      const [realKey] = await serverJwks(server);
      const claims = { sub: user.userId, iss: server.url, aud: server.url, exp: now() + 600 };
      for (const header of [
        { alg: 'EdDSA', kid: 'attacker-key', jku: `${trap.url}/jwks.json` },
        { alg: 'EdDSA', kid: 'attacker-key', x5u: `${trap.url}/cert.pem` },
        { alg: 'EdDSA', kid: realKey!.kid, jku: `${trap.url}/jwks.json` },
      ]) {
        const token = await new SignJWT(claims).setProtectedHeader(header).sign(attacker.privateKey);
        assertRefused(await verifier.authenticate(`Bearer ${token}`), 401, 'invalid_token', JSON.stringify(header));
      }
      assert.deepEqual(
        rejections.map(rejection => rejection.reason),
        ['unknown_kid', 'unknown_kid', 'signature'],
      );
      assert.deepEqual(requests, [], 'the jku / x5u server got no request');
    } finally {
      await trap.close();
    }
  });
});

describe('unknown kid: one forced JWKS reload, rate-limited', LIMIT, () => {
  let jwks: Awaited<ReturnType<typeof jwksServer>>;
  before(async () => {
    jwks = await jwksServer();
  });
  after(() => jwks.close());

  const issuer = 'https://auth.example.com';
  const sign = (key: Awaited<ReturnType<typeof signingKey>>, sub = 'user-1') =>
    new SignJWT({}).setProtectedHeader({ alg: 'EdDSA', kid: key.jwk.kid }).setSubject(sub).setIssuer(issuer).setAudience(issuer).setExpirationTime('5m').sign(key.privateKey);

  test('a key added after the JWKS was cached: accepted at once, concurrent requests sharing one reload', async () => {
    jwks.keys.length = 0;
    jwks.requests.length = 0;
    const first = await signingKey('k1');
    jwks.keys.push(first.jwk);
    const verifier = createVerifier({ jwksUrl: jwks.jwksUrl, issuer, audience: issuer, cacheSize: 0 });
    assert.ok((await verifier.verify(await sign(first))).ok);
    assert.equal(jwks.requests.length, 1);

    const second = await signingKey('k2');
    jwks.keys.push(second.jwk);
    const token = await sign(second);
    const results = await Promise.all(Array.from({ length: 5 }, () => verifier.verify(token)));
    assert.deepEqual(results.map(result => result.ok), [true, true, true, true, true]);
    assert.equal(verifier.stats.jwksForcedReloads, 1);
    assert.equal(jwks.requests.length, 2, 'one more fetch for the five');
  });

  test('forged kids: one reload then 401; another within the interval fetches nothing; after it, one more', async () => {
    jwks.keys.length = 0;
    jwks.requests.length = 0;
    const real = await signingKey('real');
    jwks.keys.push(real.jwk);
    const { verifier, rejections } = recordingVerifier({ jwksUrl: jwks.jwksUrl, issuer, audience: issuer, reloadIntervalMs: 300 });
    assert.ok((await verifier.verify(await sign(real))).ok);
    assert.equal(jwks.requests.length, 1);

    assertRefused(await verifier.verify(await sign(await signingKey('forged-1'))), 401, 'invalid_token', 'first forged kid');
    assert.equal(jwks.requests.length, 2, 'exactly one reload');
    for (let i = 2; i <= 6; i++) assertRefused(await verifier.verify(await sign(await signingKey(`forged-${i}`))), 401, 'invalid_token', `forged kid ${i}`);
    assert.equal(jwks.requests.length, 2, 'no fetch for forged kids within the interval');
    assert.equal(verifier.stats.jwksForcedReloads, 1);
    assert.deepEqual(new Set(rejections.map(rejection => rejection.reason)), new Set(['unknown_kid']));
    assert.equal(rejections[1]?.detail, 'no single key in the JWKS for "kid" "forged-2"');

    await new Promise(resolve => setTimeout(resolve, 350));
    assertRefused(await verifier.verify(await sign(await signingKey('forged-7'))), 401, 'invalid_token', 'after the interval');
    assert.equal(jwks.requests.length, 3, 'one reload again after the interval');
    assert.equal(verifier.stats.jwksForcedReloads, 2);
  });
});

describe('a JWKS that cannot be fetched: 503 jwks_unavailable, not 401', LIMIT, () => {
  const issuer = 'https://auth.example.com';
  let key: Awaited<ReturnType<typeof signingKey>>;
  let token: string;
  before(async () => {
    key = await signingKey('k1');
    token = await new SignJWT({}).setProtectedHeader({ alg: 'EdDSA', kid: 'k1' }).setSubject('u').setIssuer(issuer).setAudience(issuer).setExpirationTime('5m').sign(key.privateKey);
  });

  async function expectUnavailable(jwksUrl: string, label: string, timeoutMs?: number): Promise<void> {
    const { verifier, rejections } = recordingVerifier({ jwksUrl, issuer, audience: issuer, ...(timeoutMs && { timeoutMs }) });
    const result = await verifier.authenticate(`Bearer ${token}`, { method: 'POST', path: '/chatkit' });
    assertRefused(result, 503, 'jwks_unavailable', label);
    assert.equal(result.ok || result.headers['Retry-After'], '5');
    assert.equal(rejections[0]?.reason, 'jwks_unavailable', label);
    assert.ok(rejections[0]?.detail.startsWith(`the JWKS at ${jwksUrl} could not be fetched: `), rejections[0]?.detail);
    // a token bad on its face is still a 401, without fetching anything
    const fetches = verifier.stats.jwksFetches;
    assertRefused(await verifier.authenticate('Bearer garbage'), 401, 'invalid_token', `${label}, garbage token`);
    assert.equal(verifier.stats.jwksFetches, fetches);
  }

  test('connection refused', async () => {
    await expectUnavailable(`http://127.0.0.1:${await closedPort()}/jwks`, 'closed port');
  });

  test('HTTP 500, not JSON, not a key set, a key that is not public, too slow', async () => {
    const stubs = await Promise.all([
      listen((_req, res) => res.writeHead(500).end('oops')),
      listen((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{not json')),
      listen((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"keys":"nope"}')),
      listen((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: [{ kty: 'OKP', crv: 'Ed25519', kid: 'k1', x: 'not-a-key', alg: 'EdDSA' }] }))),
      listen(() => {}),
    ]);
    try {
      const [http500, badJson, notJwks, badKey, silent] = stubs.map(stub => `${stub.url}/jwks`) as [string, string, string, string, string];
      await expectUnavailable(http500, 'HTTP 500');
      await expectUnavailable(badJson, 'bad JSON');
      await expectUnavailable(notJwks, 'not a JWKS');
      await expectUnavailable(badKey, 'a key that cannot be imported');
      await expectUnavailable(silent, 'timeout', 200);
    } finally {
      await Promise.all(stubs.map(stub => stub.close()));
    }
  });
});

describe('the verified-token cache and the onRejected hook', () => {
  const issuer = 'https://auth.example.com';
  async function setUp(options: Partial<VerifierOptions> = {}) {
    const key = await signingKey('k1');
    const verifier = createVerifier({ jwksUrl: `${issuer}/jwks`, issuer, audience: issuer, fetch: async () => Response.json({ keys: [key.jwk] }), ...options });
    const sign = (expiresAt: number) =>
      new SignJWT({ name: 'Ada' }).setProtectedHeader({ alg: 'EdDSA', kid: 'k1' }).setSubject('user-1').setIssuer(issuer).setAudience(issuer).setIssuedAt().setExpirationTime(expiresAt).sign(key.privateKey);
    return { verifier, sign };
  }

  test('cached answers only for a token verified before, without verifying again', async () => {
    const { verifier, sign } = await setUp();
    const token = await sign(now() + 600);
    assert.equal(verifier.cached(token), undefined, 'never verified');
    const result = await verifier.verify(token);
    assert.ok(result.ok);
    assert.equal(result.identity.sub, 'user-1');
    assert.equal(result.identity.name, 'Ada');
    assert.deepEqual(verifier.cached(token), result.identity);
    assert.deepEqual(await verifier.verify(token), result);
    assert.equal(verifier.stats.tokenVerifications, 1, 'jwtVerify ran once');
    assert.equal(verifier.stats.tokenCacheHits, 2);
    assert.equal(verifier.cached(await sign(now() + 601)), undefined, 'another token of the same user is not known');
  });

  test('a token past its exp is not served from the cache, though the clock tolerance let it in', async () => {
    const { verifier, sign } = await setUp();
    const token = await sign(now() - 2); // expired 2 s ago, within the 5 s tolerance
    assert.ok((await verifier.verify(token)).ok);
    assert.equal(verifier.cached(token), undefined);
    assert.ok((await verifier.verify(token)).ok);
    assert.equal(verifier.stats.tokenVerifications, 2, 'verified again, not taken from the cache');
    assert.equal(verifier.stats.tokenCacheHits, 0);
  });

  test('the least recently used token leaves first when the cache is full', async () => {
    const { verifier, sign } = await setUp({ cacheSize: 2 });
    const [a, b, c] = await Promise.all([sign(now() + 600), sign(now() + 601), sign(now() + 602)]);
    for (const token of [a, b]) await verifier.verify(token);
    verifier.cached(a); // a is now the most recently used
    await verifier.verify(c);
    assert.ok(verifier.cached(a) && verifier.cached(c));
    assert.equal(verifier.cached(b), undefined);
  });

  test('your counters object is the one incremented', async () => {
    const stats = { jwksFetches: 0, jwksForcedReloads: 0, tokenVerifications: 0, tokenCacheHits: 0 };
    const { verifier, sign } = await setUp({ stats });
    await verifier.verify(await sign(now() + 600));
    assert.equal(verifier.stats, stats);
    assert.deepEqual(stats, { jwksFetches: 1, jwksForcedReloads: 0, tokenVerifications: 1, tokenCacheHits: 0 });
  });

  test('a hook that throws changes nothing: still the 401', async () => {
    const { verifier } = await setUp({
      onRejected: () => {
        throw new Error('logger down');
      },
    });
    assertRefused(await verifier.authenticate('Bearer a.b.c'), 401, 'invalid_token', 'garbage');
    assertRefused(await verifier.authenticate(undefined), 401, 'missing_token', 'no header');
  });
});
