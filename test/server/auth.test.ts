// Token verification on POST /chatkit: the whole matrix of bad tokens (each a 401 JSON with a
// WWW-Authenticate challenge, never a 500), expiry, key rotation, forged kids, the verified-token
// cache, a JWKS that cannot be fetched (503), and a chat backend verifying another server's tokens.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SignJWT, exportSPKI, generateKeyPair, importJWK } from 'jose';
import type { JWK } from 'jose';
import { address, chatkit, closedPort, decodePart, encodePart, getToken, LIMIT, signUp, startTestServer, userWithToken } from './helpers.js';
import type { Target, TestServer } from './helpers.js';

const LIST = { type: 'threads.list', params: {} };

async function post(server: Target, authorization?: string, path = '/chatkit'): Promise<Response> {
  return fetch(`${address(server)}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(authorization !== undefined && { Authorization: authorization }) },
    body: JSON.stringify(LIST),
  });
}

async function expect401(response: Response, code: string, what: string): Promise<void> {
  const text = await response.text(); // read first: a failed assertion must not leave a body unread
  assert.equal(response.status, 401, `${what}: status ${response.status} ${text.slice(0, 200)}`);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/, `${what}: JSON`);
  const body = JSON.parse(text) as { error: unknown; code: unknown };
  assert.deepEqual(Object.keys(body).sort(), ['code', 'error'], what);
  assert.equal(typeof body.error, 'string');
  assert.equal(body.code, code, what);
  const challenge = response.headers.get('www-authenticate');
  if (code === 'missing_token') assert.equal(challenge, 'Bearer realm="auth-chatkit"', what);
  else assert.equal(challenge, 'Bearer error="invalid_token"', what);
}

/** A token signed with the server's real signing key, with whatever claims the test wants. */
async function signWithServerKey(server: TestServer, payload: Record<string, unknown>): Promise<string> {
  const { token } = await server.app.auth.auth.api.signJWT({ body: { payload } });
  return token;
}

async function serverJwks(server: Target): Promise<JWK[]> {
  return ((await (await fetch(`${address(server)}/api/auth/jwks`)).json()) as { keys: JWK[] }).keys;
}

const now = () => Math.floor(Date.now() / 1000);

describe('the 401 matrix', LIMIT, () => {
  let server: TestServer;
  let other: TestServer;
  let user: Awaited<ReturnType<typeof userWithToken>>;
  before(async () => {
    server = await startTestServer();
    // another Better Auth instance claiming the same issuer and audience, with its own keys
    other = await startTestServer({ env: { PUBLIC_URL: server.url } });
    user = await userWithToken(server, 'Grace');
  });
  after(async () => {
    process.stderr.write('AFTER-BEGIN\n');
    await server.stop();
    process.stderr.write('AFTER-1\n');
    await other.stop();
    process.stderr.write('AFTER-2\n');
  });

  test('a valid token passes (scheme case-insensitive); its claims are sub, name, iat, exp, iss, aud only', async () => {
    assert.equal((await post(server, `Bearer ${user.token}`)).status, 200);
    assert.equal((await post(server, `bearer ${user.token}`)).status, 200);
    const claims = decodePart(user.token, 1);
    assert.deepEqual(Object.keys(claims).sort(), ['aud', 'exp', 'iat', 'iss', 'name', 'sub']);
    assert.equal(claims.sub, user.userId);
    assert.equal(claims.name, 'Grace');
    assert.equal(claims.iss, server.url);
    assert.equal(claims.aud, server.url);
    assert.equal((claims.exp as number) - (claims.iat as number), 15 * 60, 'JWT_EXPIRATION defaults to 15m');
    assert.deepEqual(decodePart(user.token, 0), { alg: 'EdDSA', kid: (await serverJwks(server))[0]?.kid });
  });

  test('no token, another scheme, an empty bearer, a token in the query string: 401 missing_token', async () => {
    await expect401(await post(server), 'missing_token', 'no header');
    await expect401(await post(server, 'Basic dXNlcjpwYXNz'), 'missing_token', 'Basic');
    await expect401(await post(server, `Token ${user.token}`), 'missing_token', 'Token scheme');
    await expect401(await post(server, 'Bearer '), 'missing_token', 'empty bearer');
    await expect401(await post(server, user.token), 'missing_token', 'no scheme');
    await expect401(await post(server, undefined, `/chatkit?access_token=${user.token}`), 'missing_token', 'query string');
  });

  test('malformed and forged tokens: 401 invalid_token', async () => {
    const [jwk] = await serverJwks(server);
    assert.ok(jwk?.kid, 'the server publishes a key with a kid');
    const claims = { sub: user.userId, name: 'Grace', iat: now(), exp: now() + 600, iss: server.url, aud: server.url };

    const cases: [string, string][] = [
      ['garbage', 'not-a-jwt'],
      ['three garbage parts', 'a.b.c'],
      ['alg none', `${encodePart({ alg: 'none', typ: 'JWT' })}.${encodePart(claims)}.`],
      ['alg none with the real kid', `${encodePart({ alg: 'none', kid: jwk.kid })}.${encodePart(claims)}.`],
    ];

    // HS256 "signed" with the server's public key (the classic algorithm confusion)
    const publicPem = await exportSPKI((await importJWK(jwk, 'EdDSA')) as CryptoKey);
    for (const [label, secret] of [
      ['HS256 with the public key PEM', publicPem],
      ['HS256 with the JWK x', jwk.x ?? ''],
    ] as const) {
      cases.push([label, await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: jwk.kid }).sign(new TextEncoder().encode(secret))]);
    }

    // a key of our own, presented under the server's kid
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    cases.push(['own key, real kid', await new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: jwk.kid }).sign(privateKey)]);

    // a real token of another Better Auth instance (same iss and aud, different keys)
    const stranger = await signUp(other, 'Mallory');
    const foreign = await getToken(other, stranger);
    assert.equal(decodePart(foreign, 1).iss, server.url);
    cases.push(['token of another Better Auth instance', foreign]);

    // a real token with its payload changed (signature kept)
    const [header, , signature] = user.token.split('.');
    cases.push(['tampered payload', `${header}.${encodePart({ ...decodePart(user.token, 1), sub: 'someone-else' })}.${signature}`]);
    cases.push(['signature cut off', `${header}.${user.token.split('.')[1]}.`]);

    // real signatures, wrong claims
    cases.push(['wrong audience', await signWithServerKey(server, { ...claims, aud: 'https://elsewhere.example' })]);
    cases.push(['wrong issuer', await signWithServerKey(server, { ...claims, iss: 'https://elsewhere.example' })]);
    cases.push(['no sub', await signWithServerKey(server, { name: 'Nobody', iat: now(), exp: now() + 600 })]);
    cases.push(['not yet valid (nbf in 10 min)', await signWithServerKey(server, { ...claims, nbf: now() + 600 })]);

    for (const [label, token] of cases) await expect401(await post(server, `Bearer ${token}`), 'invalid_token', label);
  });

  test('expired: 401 token_expired past the 5 s clock tolerance, accepted within it', async () => {
    const expired = await signWithServerKey(server, { sub: user.userId, iat: now() - 120, exp: now() - 60 });
    await expect401(await post(server, `Bearer ${expired}`), 'token_expired', 'expired a minute ago');
    const justExpired = await signWithServerKey(server, { sub: user.userId, iat: now() - 120, exp: now() - 2 });
    assert.equal((await post(server, `Bearer ${justExpired}`)).status, 200, 'within the clock tolerance');
  });

  test('no bad token ever got a 500', () => {
    process.stderr.write('T5\n');
    assert.deepEqual(
      Object.keys(server.stats.chatResponsesByStatus)
        .map(Number)
        .filter(status => status >= 500),
      [],
    );
    assert.ok((server.stats.chatResponsesByStatus[401] ?? 0) >= 20, 'every case above was answered 401');
  });
});

describe('a short JWT_EXPIRATION', LIMIT, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { JWT_EXPIRATION: '1s' }, config: { clockToleranceSec: 0 } });
  });
  after(() => server.stop());

  test('tokens live JWT_EXPIRATION seconds; a cached token stops working at its exp', async () => {
    const { token } = await userWithToken(server);
    const claims = decodePart(token, 1) as { iat: number; exp: number };
    assert.equal(claims.exp - claims.iat, 1);
    assert.equal((await post(server, `Bearer ${token}`)).status, 200);
    assert.equal(server.stats.tokenVerifications, 1);
    const wait = claims.exp * 1000 + 50 - Date.now();
    assert.ok(wait < 2500, `would wait ${wait} ms`);
    await new Promise(resolve => setTimeout(resolve, Math.max(0, wait)));
    await expect401(await post(server, `Bearer ${token}`), 'token_expired', 'after exp');
  });
});

describe('key rotation', LIMIT, () => {
  let server: TestServer;
  before(async () => {
    // no verified-token cache: every request below really checks its signature against the JWKS
    server = await startTestServer({ config: { verifiedTokenCacheSize: 0 } });
  });
  after(() => server.stop());

  test('a token signed by a key added after the JWKS was cached is accepted at once (one forced reload)', async () => {
    const account = await signUp(server);
    const oldToken = await getToken(server, account);
    assert.equal((await post(server, `Bearer ${oldToken}`)).status, 200);
    assert.equal(server.stats.jwksFetches, 1);

    const newKid = await server.app.auth.addSigningKey();
    const newToken = await getToken(server, account);
    assert.equal(decodePart(newToken, 0).kid, newKid);
    assert.notEqual(decodePart(oldToken, 0).kid, newKid);

    // several requests at once with the new key: all accepted, one reload between them
    const statuses = await Promise.all(Array.from({ length: 5 }, () => post(server, `Bearer ${newToken}`).then(response => response.status)));
    assert.deepEqual(statuses, [200, 200, 200, 200, 200]);
    assert.equal(server.stats.jwksForcedReloads, 1);
    assert.equal(server.stats.jwksFetches, 2);

    // the old key is still published: its tokens keep working until they expire
    assert.equal((await serverJwks(server)).length, 2);
    assert.equal((await post(server, `Bearer ${oldToken}`)).status, 200);
    assert.equal(server.stats.jwksFetches, 2);
  });
});

describe('forged kids and the verified-token cache', LIMIT, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  test('unknown kids force at most one reload per interval: forged kids cannot make us hammer the JWKS', async () => {
    const { token } = await userWithToken(server);
    assert.equal((await post(server, `Bearer ${token}`)).status, 200);
    assert.equal(server.stats.jwksFetches, 1);
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    for (let i = 0; i < 6; i++) {
      const forged = await new SignJWT({ sub: 'x' })
        .setProtectedHeader({ alg: 'EdDSA', kid: `forged-${i}` })
        .setIssuer(server.url)
        .setAudience(server.url)
        .setExpirationTime('5m')
        .sign(privateKey);
      await expect401(await post(server, `Bearer ${forged}`), 'invalid_token', `forged kid ${i}`);
    }
    // the first unknown kid forced a reload; the next ones, within the 10 s interval, fetch nothing
    assert.equal(server.stats.jwksForcedReloads, 1);
    assert.equal(server.stats.jwksFetches, 2);
  });

  test('a verified token is remembered until its exp: repeat requests skip the signature check', async () => {
    const { token } = await userWithToken(server);
    const verificationsBefore = server.stats.tokenVerifications;
    const hitsBefore = server.stats.tokenCacheHits;
    for (let i = 0; i < 5; i++) assert.equal((await post(server, `Bearer ${token}`)).status, 200);
    assert.equal(server.stats.tokenVerifications - verificationsBefore, 1);
    assert.equal(server.stats.tokenCacheHits - hitsBefore, 4);
  });
});

describe('verifiedTokenCacheSize: 0', LIMIT, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ config: { verifiedTokenCacheSize: 0 } });
  });
  after(() => server.stop());

  test('turns the cache off: every request is verified (the JWKS is still fetched once)', async () => {
    const { token } = await userWithToken(server);
    for (let i = 0; i < 4; i++) assert.equal((await post(server, `Bearer ${token}`)).status, 200);
    assert.equal(server.stats.tokenVerifications, 4);
    assert.equal(server.stats.tokenCacheHits, 0);
    assert.equal(server.stats.jwksFetches, 1);
  });
});

describe('a JWKS that cannot be fetched: 503, not 401, never 500', LIMIT, () => {
  const stubs: Server[] = [];
  async function jwksStub(handler: Parameters<typeof createServer>[1]): Promise<string> {
    const stub = createServer(handler);
    stubs.push(stub);
    await new Promise<void>(resolve => stub.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(stub.address() as AddressInfo).port}/jwks`;
  }
  after(async () => {
    for (const stub of stubs) {
      stub.closeAllConnections();
      await new Promise(resolve => stub.close(resolve));
    }
  });

  async function expect503(jwksUrl: string, label: string, config = {}): Promise<void> {
    const server = await startTestServer({ env: { JWKS_URL: jwksUrl }, config });
    try {
      // a well-formed token of this server's own Better Auth (its JWKS is not the one configured)
      const { token } = await userWithToken(server);
      const response = await post(server, `Bearer ${token}`);
      assert.equal(response.status, 503, label);
      assert.equal(response.headers.get('retry-after'), '5');
      assert.deepEqual(await response.json(), {
        error: 'The token cannot be checked right now: the key set is unavailable. Try again shortly.',
        code: 'jwks_unavailable',
      });
      // a token that is bad on its face is still a 401
      await expect401(await post(server, 'Bearer garbage'), 'invalid_token', `${label}, garbage token`);
      assert.ok(server.stats.jwksFetches >= 1, `${label}: the verifier tried`);
    } finally {
      await server.stop();
    }
  }

  test('connection refused', async () => {
    await expect503(`http://127.0.0.1:${await closedPort()}/api/auth/jwks`, 'closed port');
  });

  test('HTTP 500, not JSON, not a key set, too slow', async () => {
    await expect503(await jwksStub((_req, res) => res.writeHead(500).end('oops')), 'HTTP 500');
    await expect503(await jwksStub((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{not json')), 'bad JSON');
    await expect503(await jwksStub((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"keys":"nope"}')), 'not a JWKS');
    await expect503(await jwksStub(() => {}), 'timeout', { jwksTimeoutMs: 200 });
  });
});

describe('JWKS_URL: a chat backend verifying another server’s tokens over HTTP', LIMIT, () => {
  let authServer: TestServer;
  let chatServer: TestServer;
  before(async () => {
    authServer = await startTestServer();
    chatServer = await startTestServer({ env: { PUBLIC_URL: authServer.url, JWKS_URL: `${authServer.url}/api/auth/jwks` } });
  });
  after(async () => {
    await chatServer.stop();
    await authServer.stop();
  });

  test('accepts the auth server’s tokens, rejects tokens of its own keys', async () => {
    const { token } = await userWithToken(authServer);
    const servedBefore = authServer.stats.jwksServed;
    assert.equal((await post(chatServer, `Bearer ${token}`)).status, 200);
    assert.equal(chatServer.stats.jwksFetches, 1);
    assert.equal(authServer.stats.jwksServed, servedBefore + 1, 'fetched from the auth server');

    const own = await userWithToken(chatServer);
    await expect401(await post(chatServer, `Bearer ${own.token}`), 'invalid_token', 'a key not in the configured JWKS');
    const response = await chatkit(chatServer, token, { type: 'threads.create', params: { input: { content: [{ type: 'input_text', text: 'whoami' }] } } });
    assert.equal(response.status, 200);
    assert.match(await response.text(), new RegExp(decodePart(token, 1).sub as string));
  });
});
