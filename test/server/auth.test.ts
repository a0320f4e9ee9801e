// Token verification on the demo's POST /chatkit (the package's verifier, wired in): the whole matrix
// of bad tokens (each a 401 JSON with a WWW-Authenticate challenge, never a 500), expiry, key
// rotation, the verified-token cache and its counters, a JWKS that cannot be fetched (503), and a
// chat backend verifying another server's tokens (JWKS_URL, JWT_ISSUER, JWT_AUDIENCE, the log).
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, mock, test } from 'node:test';
import { badTokens, matrixServers, now, serverJwks, signWithServerKey } from './bad-tokens.js';
import type { MatrixServers } from './bad-tokens.js';
import { address, chatkit, closedPort, decodePart, getToken, LIMIT, signUp, startTestServer, userInput, userWithToken } from './helpers.js';
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

describe('the 401 matrix', LIMIT, () => {
  let matrix: MatrixServers;
  let server: TestServer;
  let user: MatrixServers['user'];
  before(async () => {
    matrix = await matrixServers();
    ({ server, user } = matrix);
  });
  after(() => matrix.stop());

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

  test('malformed and forged tokens: 401 invalid_token; expired: 401 token_expired (the cases of bad-tokens.ts)', async () => {
    for (const { label, token, code } of await badTokens(matrix)) await expect401(await post(server, `Bearer ${token}`), code, label);
  });

  test('expired within the 5 s clock tolerance: accepted', async () => {
    const justExpired = await signWithServerKey(server, { sub: user.userId, iat: now() - 120, exp: now() - 2 });
    assert.equal((await post(server, `Bearer ${justExpired}`)).status, 200, 'within the clock tolerance');
  });

  test('no bad token ever got a 500', () => {
    assert.deepEqual(
      Object.keys(server.stats.chatResponsesByStatus)
        .map(Number)
        .filter(status => status >= 500),
      [],
    );
    assert.ok((server.stats.chatResponsesByStatus[401] ?? 0) >= 20, 'every case above was answered 401');
  });
});

describe('a short token lifetime', LIMIT, () => {
  let server: TestServer;
  before(async () => {
    // 3 s, below the 5 s JWT_EXPIRATION accepts, so set after loadConfig: the test waits out one lifetime
    server = await startTestServer({ config: { jwtExpiration: '3s', clockToleranceSec: 0 } });
  });
  after(() => server.stop());

  test('tokens live JWT_EXPIRATION seconds; a cached token stops working at its exp', async () => {
    // iat and exp are whole seconds: taken just after a second begins, the token has its full lifetime
    // to be used once (a loaded machine may take a while to sign up and post)
    const account = await signUp(server);
    await new Promise(resolve => setTimeout(resolve, 1020 - (Date.now() % 1000)));
    const token = await getToken(server, account);
    const claims = decodePart(token, 1) as { iat: number; exp: number };
    assert.equal(claims.exp - claims.iat, 3);
    assert.equal((await post(server, `Bearer ${token}`)).status, 200);
    assert.equal(server.stats.tokenVerifications, 1);
    const wait = claims.exp * 1000 + 50 - Date.now();
    assert.ok(wait < 3500, `would wait ${wait} ms`);
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

describe('the verified-token cache', LIMIT, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  test('a verified token is remembered until its exp: repeat requests skip the signature check', async () => {
    const { token } = await userWithToken(server);
    for (let i = 0; i < 5; i++) assert.equal((await post(server, `Bearer ${token}`)).status, 200);
    assert.equal(server.stats.tokenVerifications, 1);
    assert.equal(server.stats.tokenCacheHits, 4);
    assert.equal(server.stats.jwksFetches, 1);
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

describe('a JWKS that cannot be fetched: 503 JSON, not 401, never 500 (each kind of failure: verify.test.ts)', LIMIT, () => {
  test('connection refused', async () => {
    const server = await startTestServer({ env: { JWKS_URL: `http://127.0.0.1:${await closedPort()}/api/auth/jwks` } });
    try {
      // a well-formed token of this server's own Better Auth (its JWKS is not the one configured)
      const { token } = await userWithToken(server);
      const response = await post(server, `Bearer ${token}`);
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('retry-after'), '5');
      assert.deepEqual(await response.json(), {
        error: 'The token cannot be checked right now: the key set is unavailable. Try again shortly.',
        code: 'jwks_unavailable',
      });
      // a token that is bad on its face is still a 401
      await expect401(await post(server, 'Bearer garbage'), 'invalid_token', 'garbage token');
      assert.equal(server.stats.jwksFetches, 1, 'the verifier tried once');
    } finally {
      await server.stop();
    }
  });
});

describe('JWKS_URL: a chat backend verifying another server’s tokens over HTTP', LIMIT, () => {
  let authServer: TestServer;
  let chatServer: TestServer;
  let logged: string[];
  before(async () => {
    authServer = await startTestServer();
    // JWKS_URL alone, as the README's table has it: issuer and audience follow the auth server
    chatServer = await startTestServer({ env: { JWKS_URL: `${authServer.url}/api/auth/jwks` } });
  });
  after(async () => {
    await chatServer.stop();
    await authServer.stop();
  });
  beforeEach(() => {
    logged = [];
    for (const method of ['log', 'error', 'warn'] as const) mock.method(console, method, (...args: unknown[]) => void logged.push(args.join(' ')));
  });
  afterEach(() => mock.restoreAll());

  test('issuer and audience follow JWKS_URL’s origin: the auth server’s tokens pass, tokens of its own keys do not', async () => {
    assert.notEqual(chatServer.url, authServer.url);
    assert.equal(chatServer.app.verifier.config.issuer, authServer.url);
    assert.equal(chatServer.app.verifier.config.audience, authServer.url);
    const { token } = await userWithToken(authServer);
    const servedBefore = authServer.stats.jwksServed;
    assert.equal((await post(chatServer, `Bearer ${token}`)).status, 200);
    assert.equal(chatServer.stats.jwksFetches, 1);
    assert.equal(authServer.stats.jwksServed, servedBefore + 1, 'fetched from the auth server');

    const own = await userWithToken(chatServer);
    await expect401(await post(chatServer, `Bearer ${own.token}`), 'invalid_token', 'a key not in the configured JWKS');
    const response = await chatkit(chatServer, token, { type: 'threads.create', params: { input: userInput('whoami') } });
    assert.equal(response.status, 200);
    assert.match(await response.text(), new RegExp(decodePart(token, 1).sub as string));
  });

  test('JWT_AUDIENCE that the tokens do not carry: refused with a generic 401; the reason goes to the log, never the token', async () => {
    const strict = await startTestServer({
      env: { JWKS_URL: `${authServer.url}/api/auth/jwks`, JWT_AUDIENCE: 'https://chat.example.com' },
      config: { log: true },
    });
    try {
      const { token } = await userWithToken(authServer);
      const response = await post(strict, `Bearer ${token}`, '/chatkit?trace=1');
      const body = await response.text();
      assert.equal(response.status, 401);
      assert.deepEqual(JSON.parse(body), { error: 'The token is not valid for this server.', code: 'invalid_token' });
      assert.doesNotMatch(body, /aud|chat\.example|127\.0\.0\.1/, 'the response says nothing of why');
      const reason = logged.filter(line => line.includes('token refused'));
      assert.deepEqual(reason, [
        `POST /chatkit 401 invalid_token: token refused (audience): "aud" is ${JSON.stringify(authServer.url)}, expected "https://chat.example.com"`,
      ]);
      for (const line of logged) {
        assert.ok(!line.includes(token) && !line.includes(token.split('.')[2]!), `no token in the log: ${line}`);
        assert.ok(!line.includes('trace=1'), `no query string in the log: ${line}`);
      }
    } finally {
      await strict.stop();
    }
  });

  test('JWT_ISSUER and JWT_AUDIENCE on the auth server too: it issues what the chat server expects', async () => {
    const env = { JWT_ISSUER: 'https://auth.example.com', JWT_AUDIENCE: 'https://chat.example.com' };
    const issuing = await startTestServer({ env });
    try {
      const chat = await startTestServer({ env: { ...env, JWKS_URL: `${issuing.url}/api/auth/jwks` } });
      try {
        const { token } = await userWithToken(issuing);
        assert.equal(decodePart(token, 1).iss, 'https://auth.example.com');
        assert.equal(decodePart(token, 1).aud, 'https://chat.example.com');
        assert.equal((await post(chat, `Bearer ${token}`)).status, 200, 'accepted by the chat server');
        assert.equal((await post(issuing, `Bearer ${token}`)).status, 200, 'and by the issuing server itself');
        await expect401(await post(authServer, `Bearer ${token}`), 'invalid_token', 'refused where issuer and audience differ');
      } finally {
        await chat.stop();
      }
    } finally {
      await issuing.stop();
    }
  });
});
