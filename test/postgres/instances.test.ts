// Several instances behind one PostgreSQL database, as separate processes (demo/server/main.ts) the
// way a load balancer would see them: both start at once on an empty database; an account, a session,
// tokens and threads made through one are good on the other; a signing key added by a third instance
// is used and accepted by both at once; the rate limits count across them; an instance whose secret
// cannot open the stored keys, or whose DATABASE_URL is wrong, refuses to start; one stopped mid-reply
// keeps what it said while the other serves on.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createApp } from '../../demo/server/app.js';
import type { ThreadStreamEvent as StreamEvent, Thread } from '../../src/server/index.js';
import { loadConfig } from '../../demo/server/config.js';
import { dropDatabase, ensureDatabase } from '../server/databases.js';
import {
  chatkit,
  closedPort,
  createThread,
  decodePart,
  eventsOf,
  getToken,
  readEvents,
  replyText,
  signUp,
  TEST_SECRET,
  userInput,
} from '../server/helpers.js';
import type { Account, Target } from '../server/helpers.js';
import { runMain, startMain } from '../server/main-process.js';
import type { RunningMain } from '../server/main-process.js';

/** The one origin users reach (the load balancer's): issuer, audience and trusted origin of both. */
const PUBLIC_URL = 'http://chat.test';
const LIST = { type: 'threads.list', params: {} };

type Instance = RunningMain & Target;

async function startInstance(databaseUrl: string, env: Record<string, string> = {}): Promise<Instance> {
  // a port of its own picked here: with PUBLIC_URL set, the process prints the public URL only
  const port = await closedPort();
  const running = await startMain({ PORT: String(port), DATABASE_URL: databaseUrl, BETTER_AUTH_SECRET: TEST_SECRET, PUBLIC_URL, ...env });
  return { ...running, listenUrl: `http://127.0.0.1:${port}` };
}

const kid = (token: string) => decodePart(token, 0).kid;

async function json<T>(response: Response): Promise<T> {
  assert.equal(response.status, 200, `status ${response.status}`);
  return (await response.json()) as T;
}

describe('two instances on one PostgreSQL database', { timeout: 120_000 }, () => {
  const name = `instances_${randomBytes(4).toString('hex')}`;
  let databaseUrl: string;
  let a: Instance;
  let b: Instance;
  let account: Account;
  let token: string;
  before(async () => {
    databaseUrl = await ensureDatabase(name);
    // at the same moment, on an empty database: their migrations take turns
    [a, b] = await Promise.all([startInstance(databaseUrl), startInstance(databaseUrl)]);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await dropDatabase(name);
  });

  test('started at once on an empty database, both come up: every table made once, nothing printed to stderr', async () => {
    for (const instance of [a, b]) assert.deepEqual(await (await fetch(`${instance.listenUrl}/healthz`)).json(), { ok: true });
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name");
      assert.deepEqual(
        rows.map(row => row.table_name),
        ['account', 'chatkit_attachments', 'chatkit_items', 'chatkit_migrations', 'chatkit_threads', 'jwks', 'rateLimit', 'session', 'user', 'verification'],
      );
    } finally {
      await client.end();
    }
    assert.equal(a.output.stderr, '');
    assert.equal(b.output.stderr, '');
  });

  test('an account signed up through A: its session works on B, and A’s token is accepted by B', async () => {
    account = await signUp(a, 'Ada');
    token = await getToken(a, account);
    assert.equal((await chatkit(b, token, LIST)).status, 200);
    const fromB = await getToken(b, account);
    assert.equal(kid(fromB), kid(token), 'one signing key, made by whichever instance needed it first');
    assert.equal((await chatkit(a, fromB, LIST)).status, 200);
  });

  test('a thread created through A is continued and listed through B, and read back through A', async () => {
    const { threadId } = await createThread(a, token, 'started on A');
    const second = await readEvents(await chatkit(b, token, { type: 'threads.add_user_message', params: { thread_id: threadId, input: userInput('continued on B') } }));
    assert.match(replyText(second), /message 2 of yours/, 'B saw the history A stored');
    const listed = await json<{ data: Thread[] }>(await chatkit(b, token, LIST));
    assert.ok(listed.data.some(thread => thread.id === threadId && thread.title === 'started on A'));
    const thread = await json<Thread>(await chatkit(a, token, { type: 'threads.get_by_id', params: { thread_id: threadId } }));
    assert.deepEqual(
      thread.items.data.map(item => item.type),
      ['user_message', 'assistant_message', 'user_message', 'assistant_message'],
    );
  });

  test('a signing key added by another instance of the app (auth.ts addSigningKey) signs A’s next token, which B accepts at once', async () => {
    // B verified `token` above: it holds the key set without the new key, and jose would not refetch it for 30 s.
    // The third instance runs in this process (createApp, not listening) so that the test can call it.
    const third = createApp({ ...loadConfig({ DATABASE_URL: databaseUrl, BETTER_AUTH_SECRET: TEST_SECRET, PUBLIC_URL }), log: false });
    let newKid: string;
    try {
      await third.ready;
      newKid = await third.auth.addSigningKey();
    } finally {
      await third.close();
    }
    const rotated = await getToken(a, account);
    assert.equal(kid(rotated), newKid);
    assert.equal((await chatkit(b, rotated, LIST)).status, 200, 'accepted at once: the unknown kid made B reload the key set');
    assert.equal((await chatkit(b, token, LIST)).status, 200, 'the old key still verifies its tokens');
    assert.equal(kid(await getToken(b, account)), newKid, 'B signs with the new key too');
  });

  test('rate limits count in the shared database: 3 sign-in attempts per 10 s from one address, across both', async () => {
    const attempt = (instance: Instance) =>
      fetch(`${instance.listenUrl}/api/auth/sign-in/email`, {
        method: 'POST',
        // the address a load balancer in front of both would forward
        headers: { 'Content-Type': 'application/json', Origin: PUBLIC_URL, 'X-Forwarded-For': '203.0.113.7' },
        body: JSON.stringify({ email: account.email, password: 'not the password' }),
      }).then(response => response.status);
    assert.deepEqual([await attempt(a), await attempt(a), await attempt(b)], [401, 401, 401]);
    assert.equal(await attempt(b), 429, 'B counted the attempts made on A');
    assert.equal(await attempt(a), 429);
  });

  test('an instance whose BETTER_AUTH_SECRET cannot open the stored keys refuses to start, naming it', async () => {
    const other = randomBytes(32).toString('hex');
    const { code, stderr } = await runMain({ PORT: '0', DATABASE_URL: databaseUrl, BETTER_AUTH_SECRET: other, PUBLIC_URL }, 60_000).done;
    assert.equal(code, 1);
    assert.equal(stderr.trimEnd().split('\n').length, 1, stderr);
    assert.match(stderr, /^auth-chatkit demo: BETTER_AUTH_SECRET does not open the signing keys stored in the database/);
  });

  test('a DATABASE_URL with a wrong password or a missing database: one line naming it, exit 1, no password shown', async () => {
    const wrongPassword = new URL(databaseUrl);
    wrongPassword.password = 'hunter2';
    const missing = new URL(databaseUrl);
    missing.pathname = `/${name}_missing`;
    for (const [url, reason] of [
      [wrongPassword.href, /password authentication failed/],
      [missing.href, /database ".*_missing" does not exist/],
    ] as const) {
      const { code, stderr } = await runMain({ PORT: '0', DATABASE_URL: url, BETTER_AUTH_SECRET: TEST_SECRET }, 60_000).done;
      assert.equal(code, 1);
      assert.equal(stderr.trimEnd().split('\n').length, 1, stderr);
      assert.match(stderr, /^auth-chatkit demo: DATABASE_URL cannot be used \(PostgreSQL at 127\.0\.0\.1:\d+\/instances_\w+\): /);
      assert.match(stderr, reason);
      assert.doesNotMatch(stderr, /hunter2/);
      assert.ok(!stderr.includes(new URL(databaseUrl).password), 'the real password is not shown either');
    }
  });

  test('A stopped mid-reply keeps what it said; B, answering at the same time, finishes and serves on', async () => {
    const { threadId } = await createThread(a, token, 'before the stop');
    const onA = eventsOf(await chatkit(a, token, { type: 'threads.add_user_message', params: { thread_id: threadId, input: userInput('whoami') } }));
    const seenOnA: StreamEvent[] = [];
    // read on by hand: leaving a for-await loop would cancel the request, which is another test
    const readA = async (until: () => boolean) => {
      while (!until()) {
        const next = await onA.next();
        if (next.done) return;
        seenOnA.push(next.value);
      }
    };
    await readA(() => replyText(seenOnA) !== '');
    const onB = chatkit(b, token, { type: 'threads.create', params: { input: userInput('whoami') } });
    const { code } = await a.stop(); // SIGTERM while both reply
    assert.equal(code, 0);
    // what A sent before it stopped (it closes its connections on the way out: the body may end cut off)
    await readA(() => false).catch(() => {});
    assert.ok(!seenOnA.some(event => event.type === 'thread.item.done' && event.item.type === 'assistant_message'), 'A did not finish');

    const fromB = await readEvents(await onB);
    assert.equal(fromB.at(-1)?.type, 'thread.updated', 'B finished its reply');
    const thread = await json<Thread>(await chatkit(b, token, { type: 'threads.get_by_id', params: { thread_id: threadId } }));
    assert.deepEqual(
      thread.items.data.map(item => item.type),
      ['user_message', 'assistant_message', 'user_message', 'assistant_message'],
    );
    const partial = thread.items.data[3] as { content: { text: string }[] };
    const kept = partial.content[0]?.text ?? '';
    assert.ok(kept.startsWith(replyText(seenOnA)), `kept "${kept}" does not start with what A streamed, "${replyText(seenOnA)}"`);
    assert.ok(kept.length < replyText(fromB).length, 'A was stopped before the end of its reply');
    assert.equal((await json<{ data: Thread[] }>(await chatkit(b, token, LIST))).data.length, 3);
  });
});
