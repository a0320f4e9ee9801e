// Configuration from the environment: defaults, every bad value refused with a one-line message
// naming its variable, and main.ts: one line with the URL, exit 1 without a stack on bad config,
// a clean stop on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, timeSpanSeconds } from '../../demo/server/config.js';
import { LIMIT } from './helpers.js';

function refused(env: Record<string, string>, variable: string, pattern?: RegExp): void {
  assert.throws(
    () => loadConfig(env),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, `expected a ConfigError for ${JSON.stringify(env)}`);
      assert.equal(error.variable, variable);
      assert.ok(error.message.startsWith(`${variable} `), error.message);
      assert.ok(!error.message.includes('\n'), 'one line');
      if (pattern) assert.match(error.message, pattern);
      return true;
    },
  );
}

describe('loadConfig', LIMIT, () => {
  test('defaults', () => {
    const config = loadConfig({});
    assert.equal(config.port, 8787);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.databasePath, '.data/demo.sqlite');
    assert.equal(config.jwtExpiration, '15m');
    assert.equal(config.publicUrl, undefined);
    assert.equal(config.jwksUrl, undefined);
    assert.equal(config.jwtIssuer, undefined);
    assert.equal(config.jwtAudience, undefined);
    assert.deepEqual(config.allowedOrigins, []);
    assert.equal(config.openaiApiKey, undefined);
    assert.equal(config.openaiModel, 'gpt-4.1-mini');
    assert.equal(config.verifiedTokenCacheSize, 10_000);
    assert.equal(config.maxBodyBytes, 1024 * 1024);
    assert.equal(config.log, true);
  });

  test('values are read, trimmed and normalised; empty counts as absent', () => {
    const config = loadConfig({
      PORT: '0',
      HOST: ' ::1 ',
      DATABASE_PATH: '/tmp/x.sqlite',
      BETTER_AUTH_SECRET: 's'.repeat(32),
      PUBLIC_URL: 'https://Chat.Example.com/',
      JWT_EXPIRATION: '30s',
      ALLOWED_ORIGINS: 'http://localhost:5173, https://app.example.com/ ,,http://localhost:5173',
      JWKS_URL: 'https://auth.example.com/api/auth/jwks',
      OPENAI_API_KEY: '',
      OPENAI_MODEL: 'gpt-4.1',
    });
    assert.equal(config.port, 0);
    assert.equal(config.host, '::1');
    assert.equal(config.publicUrl, 'https://chat.example.com');
    assert.deepEqual(config.allowedOrigins, ['http://localhost:5173', 'https://app.example.com']);
    assert.equal(config.jwksUrl, 'https://auth.example.com/api/auth/jwks');
    assert.equal(config.openaiApiKey, undefined, 'an empty OPENAI_API_KEY is no key');
    assert.equal(config.openaiModel, 'gpt-4.1');
    assert.equal(loadConfig({ OPENAI_API_KEY: '   ' }).openaiApiKey, undefined);
    assert.equal(loadConfig({ OPENAI_API_KEY: 'sk-x' }).openaiApiKey, 'sk-x');
  });

  test('JWT_EXPIRATION must be a time span, never a bare number (Better Auth reads that as a timestamp)', () => {
    for (const good of ['30s', '15m', '1h', '1d', '2 hours', '90 sec', '5min', '1 day']) {
      assert.equal(loadConfig({ JWT_EXPIRATION: good }).jwtExpiration, good);
    }
    assert.equal(timeSpanSeconds('90s'), 90);
    assert.equal(timeSpanSeconds('15m'), 900);
    assert.equal(timeSpanSeconds('2 hours'), 7200);
    assert.equal(timeSpanSeconds('1d'), 86_400);
    for (const bad of ['90', '6000ms', 'PT6S', '0s', '-5m', '5m ago', '1.5h', '15  m', '1mo', 'soon']) {
      refused({ JWT_EXPIRATION: bad }, 'JWT_EXPIRATION', /time span like 30s, 15m/);
    }
    assert.equal(loadConfig({ JWT_EXPIRATION: '30d' }).jwtExpiration, '30d');
    for (const tooLong of ['31d', '99999999999d']) refused({ JWT_EXPIRATION: tooLong }, 'JWT_EXPIRATION', /at most 30d/);
  });

  test('JWT_ISSUER and JWT_AUDIENCE are kept exactly as written (they are compared exactly); not one value: refused', () => {
    const config = loadConfig({ JWT_ISSUER: ' https://Auth.Example.com/ ', JWT_AUDIENCE: 'chat-api' });
    assert.equal(config.jwtIssuer, 'https://Auth.Example.com/', 'trimmed, nothing else');
    assert.equal(config.jwtAudience, 'chat-api');
    assert.equal(loadConfig({ JWT_AUDIENCE: 'urn:example:chat' }).jwtAudience, 'urn:example:chat');
    for (const variable of ['JWT_ISSUER', 'JWT_AUDIENCE']) {
      refused({ [variable]: 'https://a.example.com https://b.example.com' }, variable, /one value without spaces/);
      refused({ [variable]: 'https://a.example.com,\thttps://b.example.com' }, variable, /one value without spaces/);
      refused({ [variable]: 'http://' }, variable, /must be a URL like https:\/\/auth\.example\.com, or a name without ":"/);
    }
  });

  test('JWT_EXPIRATION below 5 s is refused: such tokens expire before the widget can use them', () => {
    for (const tooShort of ['1s', '4 sec', '2 seconds']) refused({ JWT_EXPIRATION: tooShort }, 'JWT_EXPIRATION', /at least 5s/);
    assert.equal(loadConfig({ JWT_EXPIRATION: '5s' }).jwtExpiration, '5s');
  });

  test('other bad values name their variable', () => {
    refused({ BETTER_AUTH_SECRET: 'short' }, 'BETTER_AUTH_SECRET', /at least 32 characters/);
    refused({ PORT: '80a' }, 'PORT');
    refused({ PORT: '70000' }, 'PORT');
    refused({ PORT: '-1' }, 'PORT');
    refused({ HOST: 'a b' }, 'HOST');
    refused({ PUBLIC_URL: 'chat.example.com' }, 'PUBLIC_URL');
    refused({ PUBLIC_URL: 'https://chat.example.com/app' }, 'PUBLIC_URL', /no path/);
    refused({ PUBLIC_URL: 'ftp://chat.example.com' }, 'PUBLIC_URL');
    refused({ ALLOWED_ORIGINS: '*' }, 'ALLOWED_ORIGINS');
    refused({ ALLOWED_ORIGINS: 'https://ok.example.com,https://x.example.com/path' }, 'ALLOWED_ORIGINS');
    refused({ JWKS_URL: 'not a url' }, 'JWKS_URL');
    refused({ JWKS_URL: 'file:///etc/passwd' }, 'JWKS_URL');
    refused({ OPENAI_BASE_URL: 'nope' }, 'OPENAI_BASE_URL');
  });
});

describe('main.ts', LIMIT, () => {
  const main = fileURLToPath(new URL('../../demo/server/main.ts', import.meta.url));

  function run(env: Record<string, string>) {
    return spawn(process.execPath, ['--import', 'tsx', main], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // a server that does not stop as it should is killed, and the test fails instead of hanging
      timeout: 10_000,
      killSignal: 'SIGKILL',
    });
  }

  async function output(child: ReturnType<typeof run>) {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', chunk => (stdout += chunk));
    child.stderr.on('data', chunk => (stderr += chunk));
    const code = await new Promise<number | null>(resolve => child.on('close', resolve));
    return { code, stdout, stderr };
  }

  test('a bad variable: one line on stderr naming it, exit code 1, no stack trace', async () => {
    const { code, stdout, stderr } = await output(run({ JWT_EXPIRATION: '90' }));
    assert.equal(code, 1);
    assert.equal(stdout, '');
    const lines = stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0]!, /^auth-chatkit demo: JWT_EXPIRATION must be/);
    assert.doesNotMatch(stderr, /\bat .*\.ts:\d+/);
  });

  test('what stops the start is said in one line naming the variable: HOST, DATABASE_PATH', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'auth-chatkit-main-'));
    try {
      for (const [env, line] of [
        [{ HOST: '999.1.1.1', PORT: '0' }, /^auth-chatkit demo: HOST 999\.1\.1\.1 is not an address of this machine/],
        [{ PORT: '0', DATABASE_PATH: dir }, /^auth-chatkit demo: DATABASE_PATH cannot be opened as a SQLite file/],
      ] as const) {
        const { code, stderr } = await output(run(env));
        assert.equal(code, 1);
        assert.equal(stderr.trimEnd().split('\n').length, 1, stderr);
        assert.match(stderr, line);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('starts, prints its URL and what tokens must carry, answers, stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'auth-chatkit-main-'));
    try {
      const child = run({ PORT: '0', DATABASE_PATH: join(dir, 'demo.sqlite') });
      const done = output(child);
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      const line = String((await lines.next()).value);
      assert.match(line, /^auth-chatkit demo: http:\/\/127\.0\.0\.1:\d+\/$/);
      const url = line.slice('auth-chatkit demo: '.length);
      const origin = url.slice(0, -1);
      assert.equal(
        String((await lines.next()).value),
        `auth-chatkit demo: chat tokens verified with the JWKS at ${origin}/api/auth/jwks, issuer "${origin}", audience "${origin}"`,
      );
      const health = await fetch(`${url}healthz`);
      assert.deepEqual(await health.json(), { ok: true });
      child.kill('SIGTERM');
      const { code, stderr } = await done;
      assert.equal(code, 0);
      assert.equal(stderr, '');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
