// The HTTP surface around the protocol: CORS allow-list, request logs without query strings or
// tokens, the demo page's static files, /healthz, the ephemeral port in the public URL, and the
// generated Better Auth secret (a 0600 file beside the database, reused on restart; a changed one
// stops the start), start-up errors naming their variable, and JSON for requests Node refuses.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, mock, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../demo/server/app.js';
import { SECRET_FILE_NAME } from '../../demo/server/auth.js';
import { loadConfig } from '../../demo/server/config.js';
import { serveStatic } from '../../demo/server/static.js';
import { address, chatkit, decodePart, getToken, LIMIT, signUp, startTestServer, userWithToken } from './helpers.js';
import type { TestServer } from './helpers.js';

const APP = 'http://app.example';
const EVIL = 'http://evil.example';

describe('CORS', LIMIT, () => {
  let server: TestServer;
  let token: string;
  before(async () => {
    server = await startTestServer({ env: { ALLOWED_ORIGINS: APP } });
    ({ token } = await userWithToken(server));
  });
  after(() => server.stop());

  const preflight = (path: string, origin: string) =>
    fetch(`${server.url}${path}`, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type,chatkit-frame-instance-id' },
    });

  test('a preflight from an allowed origin: that origin only, the four headers, cached, no credentials on /chatkit', async () => {
    const response = await preflight('/chatkit', APP);
    assert.equal(response.status, 204);
    assert.equal(response.headers.get('access-control-allow-origin'), APP);
    assert.equal(response.headers.get('access-control-allow-methods'), 'POST');
    const allowed = (response.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/,\s*/);
    for (const header of ['authorization', 'content-type', 'accept-language', 'chatkit-frame-instance-id']) assert.ok(allowed.includes(header), header);
    assert.equal(response.headers.get('access-control-max-age'), '600');
    assert.equal(response.headers.get('access-control-allow-credentials'), null);
    assert.match(response.headers.get('vary') ?? '', /Origin/);
  });

  test('the auth routes allow credentials; the server’s own origin is always allowed', async () => {
    const auth = await preflight('/api/auth/token', APP);
    assert.equal(auth.status, 204);
    assert.equal(auth.headers.get('access-control-allow-credentials'), 'true');
    assert.equal(auth.headers.get('access-control-allow-methods'), 'GET, POST');
    const own = await preflight('/chatkit', server.url);
    assert.equal(own.headers.get('access-control-allow-origin'), server.url);

    const jwks = await fetch(`${server.url}/api/auth/jwks`, { headers: { Origin: APP } });
    assert.equal(jwks.status, 200);
    assert.equal(jwks.headers.get('access-control-allow-origin'), APP);
    assert.equal(jwks.headers.get('access-control-allow-credentials'), 'true');
    assert.match(jwks.headers.get('access-control-expose-headers') ?? '', /set-auth-jwt/);
  });

  test('another origin gets no CORS headers at all', async () => {
    const refused = await preflight('/chatkit', EVIL);
    assert.equal(refused.status, 403);
    assert.deepEqual(await refused.json(), { error: 'This origin is not allowed to call this server.', code: 'origin_not_allowed' });
    for (const response of [refused, await chatkit(server, token, { type: 'threads.list', params: {} }, { headers: { Origin: EVIL } })]) {
      for (const [name] of response.headers) assert.ok(!name.startsWith('access-control-'), `${name} sent to a stranger`);
      assert.match(response.headers.get('vary') ?? '', /Origin/);
    }
  });

  test('chat answers, errors included, carry the allowed origin (the page can read a 401 and its challenge)', async () => {
    const ok = await chatkit(server, token, { type: 'threads.list', params: {} }, { headers: { Origin: APP } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), APP);
    const denied = await chatkit(server, 'bad', { type: 'threads.list', params: {} }, { headers: { Origin: APP } });
    assert.equal(denied.status, 401);
    assert.equal(denied.headers.get('access-control-allow-origin'), APP);
    assert.match(denied.headers.get('access-control-expose-headers') ?? '', /WWW-Authenticate/);
  });

  test('Better Auth trusts the same list: sign-up from an allowed origin works, from another is refused', async () => {
    const signUpFrom = (origin: string) =>
      fetch(`${server.url}/api/auth/sign-up/email`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: origin },
        body: JSON.stringify({ email: `cors${Date.now()}@example.com`, password: 'correct horse battery staple', name: 'C' }),
      });
    const allowed = await signUpFrom(APP);
    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers.get('access-control-allow-origin'), APP);
    const evil = await signUpFrom(EVIL);
    assert.equal(evil.status, 403);
    assert.equal(((await evil.json()) as { code: string }).code, 'INVALID_ORIGIN');
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
  });

  test('on the default loopback host the page may also be opened as localhost: that origin is the server’s own too', async () => {
    const localhost = `http://localhost:${server.port}`;
    assert.equal((await preflight('/chatkit', localhost)).headers.get('access-control-allow-origin'), localhost);
    const signUp = await fetch(`${server.url}/api/auth/sign-up/email`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: localhost },
      body: JSON.stringify({ email: `localhost.${Date.now()}@example.com`, password: 'correct horse battery staple', name: 'Local' }),
    });
    assert.equal(signUp.status, 200, await signUp.text());
    const named = await startTestServer({ env: { PUBLIC_URL: 'https://chat.example.com' } });
    try {
      const refused = await fetch(`${named.listenUrl}/chatkit`, { method: 'OPTIONS', headers: { Origin: `http://localhost:${named.port}`, 'Access-Control-Request-Method': 'POST' } });
      assert.equal(refused.headers.get('access-control-allow-origin'), null, 'with PUBLIC_URL, only the origins it names');
    } finally {
      await named.stop();
    }
  });

  test('headers too large for Node: 431 JSON, not a bare status line', async () => {
    const response = await fetch(`${server.url}/chatkit`, { method: 'POST', headers: { Authorization: `Bearer ${'x'.repeat(100_000)}` }, body: '{}' });
    assert.equal(response.status, 431);
    assert.deepEqual(await response.json(), { error: 'The request headers are too large.', code: 'headers_too_large' });
  });

  test('no CORS on the other routes', async () => {
    const health = await fetch(`${server.url}/healthz`, { headers: { Origin: APP } });
    assert.equal(health.headers.get('access-control-allow-origin'), null);
  });
});

describe('caching of credentials', LIMIT, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  test('every answer that carries a credential is no-store: sign-up, sign-in, session, token; the public JWKS is not', async () => {
    const json = { 'Content-Type': 'application/json', Origin: server.url };
    const password = 'correct horse battery staple';
    const email = `cache.${Date.now()}@example.com`;
    const signUpAnswer = await fetch(`${server.url}/api/auth/sign-up/email`, { method: 'POST', headers: json, body: JSON.stringify({ email, password, name: 'Cache' }) });
    const signInAnswer = await fetch(`${server.url}/api/auth/sign-in/email`, { method: 'POST', headers: json, body: JSON.stringify({ email, password }) });
    const cookie = signInAnswer.headers.getSetCookie().map(line => line.split(';')[0]).join('; ');
    const session = await fetch(`${server.url}/api/auth/get-session`, { headers: { Cookie: cookie } });
    const token = await fetch(`${server.url}/api/auth/token`, { headers: { Cookie: cookie } });
    const refused = await fetch(`${server.url}/api/auth/token`);
    const answers = { signUpAnswer, signInAnswer, session, token, refused };
    for (const [name, answer] of Object.entries(answers)) {
      assert.equal(answer.headers.get('cache-control'), 'no-store', `${name} (${answer.status})`);
    }
    assert.equal(token.status, 200);
    assert.match(((await token.json()) as { token: string }).token, /^ey/);
    const jwks = await fetch(`${server.url}/api/auth/jwks`);
    assert.notEqual(jwks.headers.get('cache-control'), 'no-store');
  });
});

describe('request logs', LIMIT, () => {
  test('one line per request, METHOD /path STATUS ms: never the query string, a header or a token', async () => {
    const lines: string[] = [];
    const capture = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
    const log = mock.method(console, 'log', capture);
    const error = mock.method(console, 'error', capture);
    const server = await startTestServer({ config: { log: true } });
    try {
      const { token } = await userWithToken(server);
      await fetch(`${server.url}/healthz?secret=query-secret`);
      const ok = await fetch(`${server.url}/chatkit?access_token=${token}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ type: 'threads.list', params: {} }),
      });
      assert.equal(ok.status, 200);
      await fetch(`${server.url}/chatkit`, { method: 'POST', headers: { Authorization: 'Bearer not.a.token' }, body: '{}' });
      // Better Auth quotes a refused Referer: its query string (a reset token) must not reach the log
      const refused = await fetch(`${server.url}/api/auth/sign-out`, {
        method: 'POST',
        headers: { Cookie: 'better-auth.session_token=x', Referer: 'http://evil.example/reset?token=query-secret#query-secret', 'Content-Type': 'application/json' },
        body: '{}',
      });
      assert.equal(refused.status, 403);
    } finally {
      await server.stop();
      log.mock.restore();
      error.mock.restore();
    }
    const requestLines = lines.filter(line => /^(GET|POST|OPTIONS) /.test(line));
    assert.ok(requestLines.some(line => /^GET \/healthz 200 \d+ms$/.test(line)), lines.join('\n'));
    assert.ok(requestLines.some(line => /^POST \/chatkit 200 \d+ms$/.test(line)), lines.join('\n'));
    assert.ok(requestLines.some(line => /^POST \/chatkit 401 \d+ms$/.test(line)), lines.join('\n'));
    assert.ok(requestLines.some(line => /^POST \/api\/auth\/sign-up\/email 200 \d+ms$/.test(line)), lines.join('\n'));
    assert.ok(lines.some(line => line.includes('Invalid origin: http://evil.example/reset')), lines.join('\n'));
    for (const line of lines) {
      assert.ok(!line.includes('?'), `query string logged: ${line}`);
      assert.ok(!line.includes('query-secret') && !line.includes('eyJ') && !line.includes('not.a.token'), `secret logged: ${line}`);
    }
  });
});

describe('static files', LIMIT, () => {
  let root: string;
  let roots: string[];
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'auth-chatkit-static-'));
    roots = ['page', 'dist', 'dist/demo'].map(dir => join(root, 'site', dir));
    for (const dir of roots) mkdirSync(dir, { recursive: true });
    writeFileSync(join(roots[0]!, 'index.html'), '<!doctype html><title>demo</title>');
    writeFileSync(join(roots[0]!, 'style.css'), 'body{}');
    writeFileSync(join(roots[1]!, 'auth-chatkit.js'), 'export {}');
    writeFileSync(join(roots[1]!, 'index.html'), 'not this one');
    writeFileSync(join(roots[2]!, 'demo.js'), 'console.log(1)');
    writeFileSync(join(roots[0]!, '.env'), 'SECRET=1');
    mkdirSync(join(roots[0]!, 'sub'));
    writeFileSync(join(root, 'site', 'secret.txt'), 'outside');
    writeFileSync(join(root, 'secret.txt'), 'outside');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('/ is the page; other paths are looked up in page/, dist/, dist/demo/, with their content types, no-cache', async () => {
    const expectations: [string, string, string][] = [
      ['/', 'text/html; charset=utf-8', '<!doctype html><title>demo</title>'],
      ['/index.html', 'text/html; charset=utf-8', '<!doctype html><title>demo</title>'],
      ['/style.css', 'text/css; charset=utf-8', 'body{}'],
      ['/auth-chatkit.js', 'text/javascript; charset=utf-8', 'export {}'],
      ['/demo.js', 'text/javascript; charset=utf-8', 'console.log(1)'],
    ];
    for (const [path, type, body] of expectations) {
      const response = await serveStatic(path, roots);
      assert.ok(response, path);
      assert.equal(response.headers.get('content-type'), type, path);
      assert.equal(response.headers.get('cache-control'), 'no-cache', path);
      assert.equal(await response.text(), body, path);
    }
  });

  test('nothing outside the folders, no dot files, no directories, nothing missing', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/sub/%2e%2e/%2e%2e/secret.txt', '/..%5csecret.txt', '/.env', '/%2eenv', '/sub', '/sub/', '/missing.js', '/%00', '/%E0%A4%A']) {
      assert.equal(await serveStatic(path, roots), undefined, path);
    }
  });

  test('through the server: GET only, 404 JSON for what is not there, no escape with raw ../ paths', async () => {
    const server = await startTestServer();
    try {
      const page = fileURLToPath(new URL('../../demo/page/index.html', import.meta.url));
      const home = await fetch(`${server.url}/`);
      if (existsSync(page)) {
        assert.equal(home.status, 200);
        assert.equal(home.headers.get('content-type'), 'text/html; charset=utf-8');
        assert.equal(home.headers.get('cache-control'), 'no-cache');
      } else {
        assert.equal(home.status, 404);
      }
      const post = await fetch(`${server.url}/index.html`, { method: 'POST' });
      assert.equal(post.status, 404);
      for (const path of ['/../package.json', '/%2e%2e/package.json', '/..%2f..%2fpackage.json', '/../../../etc/passwd']) {
        const status = await new Promise<number>((resolve, reject) => {
          httpRequest(`${server.url}${path}`, response => {
            response.resume();
            resolve(response.statusCode ?? 0);
          })
            .on('error', reject)
            .end();
        });
        assert.equal(status, 404, path);
      }
      const health = await fetch(`${server.url}/healthz`);
      assert.deepEqual(await health.json(), { ok: true });
    } finally {
      await server.stop();
    }
  });
});

/** startServer with DATABASE_PATH set to `path` as given (startTestServer always names a file in a folder). */
const startServerAt = (path: string) => startServer({ ...loadConfig({ PORT: '0', DATABASE_PATH: path }), log: false });

describe('ports, URLs and the Better Auth secret', LIMIT, () => {
  test('an ephemeral port shows in the public URL, the issuer and the audience', async () => {
    const server = await startTestServer();
    try {
      assert.equal(new URL(server.url).port, String(server.port));
      assert.equal(server.url, `http://127.0.0.1:${server.port}`);
      const { token } = await userWithToken(server);
      assert.equal(decodePart(token, 1).iss, server.url);
      assert.equal(decodePart(token, 1).aud, server.url);
    } finally {
      await server.stop();
    }
  });

  test('without BETTER_AUTH_SECRET: 32 random bytes in a 0600 file beside the database, reused after a restart', async () => {
    const env = { PUBLIC_URL: 'http://chat.test' };
    const first = await startTestServer({ env });
    const file = join(first.dir, SECRET_FILE_NAME);
    let secret: string;
    let account: Awaited<ReturnType<typeof signUp>>;
    let token: string;
    try {
      assert.equal(statSync(file).mode & 0o777, 0o600);
      secret = readFileSync(file, 'utf8').trim();
      assert.match(secret, /^[0-9a-f]{64}$/);
      account = await signUp(first);
      token = await getToken(first, account);
    } finally {
      await first.close();
    }
    const second = await startTestServer({ env, dir: first.dir });
    try {
      assert.equal(readFileSync(file, 'utf8').trim(), secret, 'the same secret');
      // the signing key, encrypted with that secret, still works: old tokens verify, new ones are issued
      const list = await chatkit(second, token, { type: 'threads.list', params: {} });
      assert.equal(list.status, 200);
      const fresh = await getToken(second, account);
      assert.equal(decodePart(fresh, 0).kid, decodePart(token, 0).kid);
    } finally {
      await second.stop();
      await first.stop();
    }
  });

  test('a changed BETTER_AUTH_SECRET fails the start, naming it, instead of every token request after', async () => {
    const first = await startTestServer({ env: { BETTER_AUTH_SECRET: 'a1'.repeat(20) } });
    try {
      await userWithToken(first); // makes the signing key, encrypted with the first secret
    } finally {
      await first.close();
    }
    try {
      await assert.rejects(startTestServer({ env: { BETTER_AUTH_SECRET: 'b2'.repeat(20) }, dir: first.dir }), (error: Error) => {
        assert.match(error.message, /^BETTER_AUTH_SECRET does not open the signing keys/);
        return true;
      });
      const again = await startTestServer({ env: { BETTER_AUTH_SECRET: 'a1'.repeat(20) }, dir: first.dir });
      await again.stop();
    } finally {
      await first.stop();
    }
  });

  test('a DATABASE_PATH that cannot be a SQLite file fails the start, naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'auth-chatkit-db-'));
    try {
      await assert.rejects(startServerAt(dir), /^ConfigError: DATABASE_PATH cannot be opened as a SQLite file/);
      writeFileSync(join(dir, 'file'), 'x');
      await assert.rejects(startServerAt(join(dir, 'file', 'demo.sqlite')), /^ConfigError: DATABASE_PATH cannot be opened/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('with BETTER_AUTH_SECRET: no file is written', async () => {
    const server = await startTestServer({ env: { BETTER_AUTH_SECRET: 'x9'.repeat(20) } });
    try {
      assert.equal(existsSync(join(server.dir, SECRET_FILE_NAME)), false);
      const { token } = await userWithToken(server);
      assert.equal((await chatkit(server, token, { type: 'threads.list', params: {} })).status, 200);
      assert.equal(address(server), server.url);
    } finally {
      await server.stop();
    }
  });
});
