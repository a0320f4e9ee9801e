// The README's Python example, taken from README.md itself (so the docs cannot drift), run with
// python3 + PyJWT against a real demo backend: its real tokens accepted, the bad-token matrix refused
// with the same codes as the JavaScript verifier, one rate-limited JWKS reload for unknown kids, 503
// when the JWKS is down, and a wrong JWT_AUDIENCE refused. Needs python3 with PyJWT and cryptography:
// without them this test FAILS (CI installs Debian's python3-jwt; see .ci/run).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { badTokens, matrixServers } from './bad-tokens.js';
import type { MatrixServers } from './bad-tokens.js';
import { backendExamples, closedPort, LIMIT, userWithToken } from './helpers.js';
import type { TestServer } from './helpers.js';

const INSTALL_HINT =
  "The README's Python example needs python3 with PyJWT and cryptography (EdDSA): apt-get install python3-jwt python3-cryptography " +
  "(Debian, Ubuntu), or pip install 'pyjwt[crypto]' and set PYTHON to that python3.";

const CAN_VERIFY_EDDSA = 'import jwt, jwt.algorithms; assert jwt.algorithms.has_crypto; jwt.algorithms.OKPAlgorithm';

/**
 * Every python3 with PyJWT and EdDSA among PYTHON, python3 on PATH and Debian's /usr/bin/python3, one
 * per PyJWT install: a contributor's current PyJWT (pip) and Debian's both run where both are present.
 */
function findPythons(): { python: string; pyjwt: string }[] {
  const found = new Map<string, { python: string; pyjwt: string }>();
  for (const python of [process.env.PYTHON, 'python3', '/usr/bin/python3']) {
    if (!python) continue;
    const probe = spawnSync(python, ['-c', `${CAN_VERIFY_EDDSA}; print(jwt.__version__, jwt.__file__)`], { encoding: 'utf8' });
    const [version, file] = probe.status === 0 ? probe.stdout.trim().split(' ') : [];
    if (version && file && !found.has(file)) found.set(file, { python, pyjwt: version });
  }
  return [...found.values()];
}

const pythons = findPythons();

// Runs authenticate() on each header (JSON lines on stdin), printing {sub} or {status, code, headers, body}.
const DRIVER = `
import json, logging, sys
logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(message)s")
import auth
for line in sys.stdin:
    try:
        claims = auth.authenticate(json.loads(line))
        print(json.dumps({"sub": claims["sub"], "name": claims.get("name")}), flush=True)
    except auth.AuthError as error:
        print(json.dumps({"status": error.status, "code": error.code, "headers": error.headers, "body": error.body()}), flush=True)
`;

interface Answer {
  sub?: string;
  name?: string;
  status?: number;
  code?: string;
  headers?: Record<string, string>;
  body?: { error: string; code: string };
}

// Without any, one run that fails with INSTALL_HINT.
for (const { python, pyjwt } of pythons.length ? pythons : [{ python: undefined, pyjwt: 'missing' }])
describe(`the README's Python example (PyJWT ${pyjwt}'s PyJWKClient)`, LIMIT, () => {
  let dir: string;
  let matrix: MatrixServers;
  let server: TestServer;
  let user: MatrixServers['user'];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'auth-chatkit-python-'));
    const example = backendExamples('python').find(block => block.includes('def authenticate('));
    assert.ok(example, 'README.md shows a Python block defining authenticate()');
    writeFileSync(join(dir, 'auth.py'), example);
    writeFileSync(join(dir, 'driver.py'), DRIVER);
    matrix = await matrixServers();
    ({ server, user } = matrix);
  });
  after(async () => {
    await matrix?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * One python process (one JWKS client) answering each header in turn; its log lines too. Not
   * spawnSync: the demo server answering python's JWKS requests runs in this very process.
   */
  async function run(headers: (string | null)[], env: Record<string, string>): Promise<{ answers: Answer[]; log: string }> {
    assert.ok(python, INSTALL_HINT);
    const child = spawn(python, ['driver.py'], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 15_000 });
    let stdout = '';
    let log = '';
    child.stdout.on('data', chunk => (stdout += chunk));
    child.stderr.on('data', chunk => (log += chunk));
    child.stdin.end(headers.map(header => JSON.stringify(header)).join('\n') + '\n');
    const [status] = (await once(child, 'close')) as [number | null];
    assert.equal(status, 0, `python failed: ${log}`);
    return { answers: stdout.trim().split('\n').map(line => JSON.parse(line) as Answer), log };
  }

  test('a real token: its claims; no header or another scheme: 401 missing_token; every bad token: the JavaScript verifier’s code', async () => {
    const cases = await badTokens(matrix);
    const headers = [`Bearer ${user.token}`, null, 'Basic dXNlcjpwYXNz', `Bearer ${user.token} x`, ...cases.map(({ token }) => `Bearer ${token}`)];
    const { answers, log } = await run(headers, { AUTH_URL: `${server.url}/api/auth` });
    assert.deepEqual(answers[0], { sub: user.userId, name: 'Grace' });
    for (const answer of answers.slice(1, 4)) {
      assert.deepEqual(answer, {
        status: 401,
        code: 'missing_token',
        headers: { 'WWW-Authenticate': 'Bearer realm="auth-chatkit"' },
        body: { error: 'Send the token as "Authorization: Bearer <JWT>".', code: 'missing_token' },
      });
    }
    cases.forEach(({ label, code }, i) => {
      const answer = answers[i + 4]!;
      assert.equal(answer.code, code, `${label}: ${JSON.stringify(answer)}`);
      assert.equal(answer.status, 401, label);
      assert.equal(answer.headers?.['WWW-Authenticate'], 'Bearer error="invalid_token"', label);
    });
    // The recipe's codes, never PyJWT's wording (2.6 says "Invalid audience", 2.15 "Audience doesn't match").
    const logged = [...log.matchAll(/^token refused \((\w+)\): \S/gm)].map(match => match[1]);
    assert.deepEqual(logged, answers.slice(1).map(answer => answer.code), 'each refusal logged with its code and a reason');
    assert.ok(!log.includes(user.token.split('.')[2]!), 'no token in the log');
  });

  test('unknown kids: one JWKS reload, then none within the interval', async () => {
    const foreign = await userWithToken(matrix.other);
    const servedBefore = server.stats.jwksServed;
    const { answers } = await run([`Bearer ${user.token}`, `Bearer ${foreign.token}`, `Bearer ${foreign.token}`, `Bearer ${user.token}`], {
      AUTH_URL: `${server.url}/api/auth`,
    });
    assert.deepEqual(
      answers.map(answer => answer.sub ?? answer.code),
      [user.userId, 'invalid_token', 'invalid_token', user.userId],
    );
    assert.equal(server.stats.jwksServed - servedBefore, 2, 'the first fetch and one reload');
  });

  test('a JWKS that cannot be fetched: 503 jwks_unavailable with Retry-After; a garbage token is still a 401', async () => {
    const { answers } = await run([`Bearer ${user.token}`, 'Bearer garbage'], { AUTH_URL: `http://127.0.0.1:${await closedPort()}/api/auth` });
    assert.deepEqual(answers[0], {
      status: 503,
      code: 'jwks_unavailable',
      headers: { 'Retry-After': '5' },
      body: { error: 'The token cannot be checked right now: the key set is unavailable. Try again shortly.', code: 'jwks_unavailable' },
    });
    assert.equal(answers[1]?.code, 'invalid_token');
  });

  test('JWT_AUDIENCE and JWT_ISSUER override the defaults: the server’s tokens then refused', async () => {
    const { answers } = await run([`Bearer ${user.token}`], { AUTH_URL: `${server.url}/api/auth`, JWT_AUDIENCE: 'https://chat.example.com' });
    assert.equal(answers[0]?.code, 'invalid_token');
    const issuer = await run([`Bearer ${user.token}`], { AUTH_URL: `${server.url}/api/auth`, JWT_ISSUER: 'https://auth.example.com' });
    assert.equal(issuer.answers[0]?.code, 'invalid_token');
  });
});
