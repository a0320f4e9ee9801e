// README.md's "Your ChatKit server" examples, taken from README.md itself (so the docs cannot drift) and
// run: chatkit.ts on SQLite behind the Next.js route handler, Hono (with its CORS) and Express; the
// PostgreSQL store's block too when TEST_DATABASE_URL is set (npm test's postgres suite).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import type { ThreadStreamEvent } from '../../src/server/index.js';
import { AUTH_URL, input, issuer, parseEvents } from './chatkit-harness.js';
import type { Issuer } from './chatkit-harness.js';
import { dropDatabase, ensureDatabase, testDatabaseUrl } from './databases.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The fenced TypeScript blocks of the section, by the file name of their first line (`// chatkit.ts`). */
function examples(): Map<string, string> {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find(part => part.startsWith('Your ChatKit server\n'));
  assert.ok(section, 'README.md has a "## Your ChatKit server" section');
  const blocks = [...section.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map(match => match[1]!);
  return new Map(blocks.map(block => [/^\/\/ (\S+\.ts)/.exec(block)![1]!, block]));
}

/** The package's own entries for the published names (the pack test checks the published files). */
const localImports = (code: string) =>
  code
    .replace(/'auth-chatkit\/server\/sqlite'/g, `'${root}src/server/chatkit/stores/sqlite.ts'`)
    .replace(/'auth-chatkit\/server\/postgres'/g, `'${root}src/server/chatkit/stores/postgres.ts'`)
    .replace(/'auth-chatkit\/server'/g, `'${root}src/server/index.ts'`);

describe("README's ChatKit server examples", () => {
  const blocks = examples();
  let dir: string;
  let keys: Issuer;
  let token: string;
  const cwd = process.cwd();

  before(async () => {
    keys = await issuer();
    token = await keys.token('alice', { name: 'Alice' });
    // under node_modules/ so that the examples' own imports (hono, express, better-sqlite3) resolve
    mkdirSync(join(root, 'node_modules/.cache'), { recursive: true });
    dir = mkdtempSync(join(root, 'node_modules/.cache/readme-chatkit-'));
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n'); // ES modules, as in the README (top-level await)
    for (const [name, code] of blocks) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), localImports(code));
    }
    // verifier.ts is the previous section's; here it trusts the test's keys
    writeFileSync(
      join(dir, 'verifier.ts'),
      `import { createVerifier } from '${root}src/server/index.ts';\nexport const verifier = createVerifier({ authUrl: '${AUTH_URL}', fetch: async () => Response.json(${JSON.stringify({ keys: await keys.jwks() })}) });\n`,
    );
    process.chdir(dir); // chat.sqlite goes there
  });
  after(() => {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  });

  test('the section has chatkit.ts, the three adapters and the PostgreSQL store', () => {
    assert.deepEqual([...blocks.keys()], ['chatkit.ts', 'app/chatkit/route.ts', 'hono.ts', 'express.ts', 'postgres.ts']);
    for (const code of blocks.values()) assert.ok(code.split('\n').length <= 25, 'each about twenty lines');
  });

  const create = JSON.stringify({ type: 'threads.create', params: { input: input('hi there') } });
  const assertReply = (events: ThreadStreamEvent[]) => {
    const done = events.filter(event => event.type === 'thread.item.done').map(event => (event as { item: { type: string; content: { text: string }[] } }).item);
    assert.deepEqual(
      done.map(item => item.type),
      ['user_message', 'assistant_message'],
    );
    assert.equal(done[1]!.content[0]!.text, 'Hello Alice, you said: hi there');
    const updated = events.at(-1) as { type: string; thread: { title: string } };
    assert.deepEqual([updated.type, updated.thread.title], ['thread.updated', 'hi there']);
  };

  test('Next.js: the route handler answers threads.create with the reply', async () => {
    const route = (await import(join(dir, 'app/chatkit/route.ts'))) as { POST(request: Request): Promise<Response>; runtime: string };
    assert.equal(route.runtime, 'nodejs');
    const response = await route.POST(new Request('https://chat.test/chatkit', { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: create }));
    assertReply(parseEvents(await response.text()));
    const refused = await route.POST(new Request('https://chat.test/chatkit', { method: 'POST', body: create }));
    assert.equal(refused.status, 401);
  });

  test('Hono: the preflight passes without a token, the request with one', async () => {
    const { app } = (await import(join(dir, 'hono.ts'))) as { app: { request(path: string, init: RequestInit): Promise<Response> } };
    const origin = 'https://www.example.com';
    const preflight = await app.request('/chatkit', { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), origin);
    const response = await app.request('/chatkit', { method: 'POST', headers: { Origin: origin, Authorization: `Bearer ${token}` }, body: create });
    assert.equal(response.headers.get('access-control-allow-origin'), origin);
    assertReply(parseEvents(await response.text()));
  });

  test('Express: chatkit.node answers over HTTP; the thread is in SQLite', async () => {
    const { app } = (await import(join(dir, 'express.ts'))) as { app: { listen(port: number, host: string, ready: () => void): Server } };
    const server = await new Promise<Server>(resolve => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/chatkit`;
      const response = await fetch(url, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: create });
      assertReply(parseEvents(await response.text()));
      const list = (await (await fetch(url, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: '{"type":"threads.list","params":{}}' })).json()) as { data: unknown[] };
      assert.equal(list.data.length, 3, 'the three threads made through the three adapters, in one SQLite file');
    } finally {
      await new Promise(resolve => server.close(resolve));
    }
  });

  // on PostgreSQL only in npm test's postgres suite (TEST_DATABASE_URL set)
  if (testDatabaseUrl) test('PostgreSQL: the store block migrates a database and serves', async () => {
    const name = `readme_${randomBytes(6).toString('hex')}`;
    process.env.DATABASE_URL = await ensureDatabase(name);
    const { store } = (await import(join(dir, 'postgres.ts'))) as { store: import('../../src/server/chatkit/stores/postgres.js').PostgresStore };
    try {
      const alice = { user: { sub: 'alice', claims: {} }, request: new Request('https://x/'), signal: new AbortController().signal };
      await store.saveThread({ id: 'thr_1', created_at: new Date().toISOString(), status: { type: 'active' }, metadata: {} }, alice);
      assert.equal((await store.loadThreads(10, undefined, 'desc', alice)).data.length, 1);
    } finally {
      await store.pool.end();
      delete process.env.DATABASE_URL;
      await dropDatabase(name);
    }
  });
});
