// Configuration from the environment: defaults, every bad value refused with a one-line message
// naming its variable, and main.ts: one line with the URL, exit 1 without a stack on bad config,
// a clean stop on SIGTERM.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig, timeSpanSeconds } from '../../demo/server/config.js';
import { closedPort, LIMIT, TEST_SECRET } from './helpers.js';
import { runMain, startMain } from './main-process.js';

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
    assert.equal(config.databaseUrl, undefined, 'SQLite unless DATABASE_URL says otherwise');
    assert.equal(config.rateLimit, true, 'rate limits on, whatever NODE_ENV says');
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
    refused({ RATE_LIMIT: 'yes' }, 'RATE_LIMIT', /must be on or off/);
    assert.equal(loadConfig({ RATE_LIMIT: 'off' }).rateLimit, false);
    for (const bad of ['*', 'proxy.internal', '10.0.0.0/33', '10.0.0.1/8/1', '::1/129']) refused({ TRUSTED_PROXIES: bad }, 'TRUSTED_PROXIES', /not an address or CIDR range/);
    assert.deepEqual(loadConfig({ TRUSTED_PROXIES: ' 10.0.0.0/8, ::1 ,' }).trustedProxies, ['10.0.0.0/8', '::1']);
    assert.deepEqual(loadConfig({}).trustedProxies, [], 'none by default: X-Forwarded-For is not read');
  });

  test('DATABASE_URL: a postgres:// or postgresql:// URL with a host, never echoed (it may hold a password); it needs BETTER_AUTH_SECRET', () => {
    const secret = { BETTER_AUTH_SECRET: 's'.repeat(32) };
    for (const good of ['postgres://u:p@db.example:5432/chat', 'postgresql://localhost/chat', 'postgres:///chat?host=/var/run/postgresql']) {
      assert.equal(loadConfig({ DATABASE_URL: good, ...secret }).databaseUrl, good);
    }
    const cases: [string, RegExp][] = [
      ['mysql://u:hunter2@db/chat', /must be a postgres:\/\/ or postgresql:\/\/ URL \(got a "mysql:" URL\)/],
      ['postgres://u:hunter2@db example/chat', /does not parse as a URL/],
      ['db.example:5432/chat?password=hunter2', /must be a postgres/],
      ['postgres:///chat?password=hunter2', /must name a host/],
    ];
    for (const [bad, message] of cases) {
      refused({ DATABASE_URL: bad, ...secret }, 'DATABASE_URL', message);
      assert.throws(() => loadConfig({ DATABASE_URL: bad, ...secret }), (error: Error) => !error.message.includes('hunter2'));
    }
    refused({ DATABASE_URL: 'postgres://db/chat' }, 'BETTER_AUTH_SECRET', /must be set with DATABASE_URL/);
  });
});

// each test starts main.ts (tsx compiling the demo) one or more times: a loaded CI machine needs more than LIMIT
describe('main.ts', { timeout: 90_000 }, () => {
  test('a bad variable: one line on stderr naming it, exit code 1, no stack trace', async () => {
    const { code, stdout, stderr } = await runMain({ JWT_EXPIRATION: '90' }).done;
    assert.equal(code, 1);
    assert.equal(stdout, '');
    const lines = stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0]!, /^auth-chatkit demo: JWT_EXPIRATION must be/);
    assert.doesNotMatch(stderr, /\bat .*\.ts:\d+/);
  });

  test('what stops the start is said in one line naming the variable: HOST, DATABASE_PATH, DATABASE_URL (bad, or its database down)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'auth-chatkit-main-'));
    const secret = { BETTER_AUTH_SECRET: TEST_SECRET };
    const down = `postgres://chat:hunter2@127.0.0.1:${await closedPort()}/chat`;
    try {
      for (const [env, line] of [
        [{ HOST: '999.1.1.1', PORT: '0' }, /^auth-chatkit demo: HOST 999\.1\.1\.1 is not an address of this machine/],
        [{ PORT: '0', DATABASE_PATH: dir }, /^auth-chatkit demo: DATABASE_PATH cannot be opened as a SQLite file/],
        [{ PORT: '0', DATABASE_URL: 'mysql://chat:hunter2@127.0.0.1/chat', ...secret }, /^auth-chatkit demo: DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/],
        [{ PORT: '0', DATABASE_URL: down, ...secret }, /^auth-chatkit demo: DATABASE_URL cannot be used \(PostgreSQL at 127\.0\.0\.1:\d+\/chat\): .*ECONNREFUSED/],
      ] as const) {
        const { code, stderr } = await runMain(env).done;
        assert.equal(code, 1);
        assert.equal(stderr.trimEnd().split('\n').length, 1, stderr);
        assert.match(stderr, line);
        assert.doesNotMatch(stderr, /hunter2/, 'no password in the message');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('starts, prints its URL and what tokens must carry, answers, stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'auth-chatkit-main-'));
    try {
      const server = await startMain({ PORT: '0', DATABASE_PATH: join(dir, 'demo.sqlite') }, 10_000);
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`${server.url}/healthz`);
      assert.deepEqual(await health.json(), { ok: true });
      const { code, stdout, stderr } = await server.stop();
      assert.equal(stdout.split('\n')[0], `auth-chatkit demo: ${server.url}/`, 'the URL, on one line');
      assert.equal(
        stdout.split('\n')[1],
        `auth-chatkit demo: chat tokens verified with the JWKS at ${server.url}/api/auth/jwks, issuer "${server.url}", audience "${server.url}"`,
      );
      assert.equal(code, 0);
      assert.equal(stderr, '');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
