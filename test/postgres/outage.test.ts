// The database going away under a running backend, and coming back: on a PostgreSQL cluster of this
// test's own (stopped and started with pg_ctl), the backend as its own process. While the database is
// down, what needs it answers 503 database_unavailable with Retry-After, or in-band for a streamed
// request (never a 500, never a crash);
// a reply in flight ends with the in-band error instead of a reply that was not saved; when the
// database is back, the backend serves again without a restart, and everything it had acknowledged
// is there.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ThreadStreamEvent as StreamEvent, Thread } from '../../src/server/index.js';
import { startCluster } from '../../scripts/postgres-cluster.mjs';
import type { Cluster } from '../../scripts/postgres-cluster.mjs';
import { chatkit, createThread, eventsOf, eventually, getToken, readEvents, replyText, signUp, TEST_SECRET, userInput } from '../server/helpers.js';
import type { Account } from '../server/helpers.js';
import { startMain } from '../server/main-process.js';
import type { RunningMain } from '../server/main-process.js';

const LIST = { type: 'threads.list', params: {} };

let cluster: Cluster;
let server: RunningMain;
before(async () => {
  cluster = await startCluster();
  server = await startMain({ PORT: '0', DATABASE_URL: cluster.url, BETTER_AUTH_SECRET: TEST_SECRET });
});
after(async () => {
  await server?.stop();
  cluster?.remove();
});

async function expect503(response: Response, what: string): Promise<void> {
  const text = await response.text();
  assert.equal(response.status, 503, `${what}: ${response.status} ${text.slice(0, 200)}`);
  assert.equal(response.headers.get('retry-after'), '5', what);
  assert.deepEqual(JSON.parse(text), { error: 'The database cannot be reached right now. Try again shortly.', code: 'database_unavailable' }, what);
}

const itemTexts = (thread: Thread) => thread.items.data.map(item => `${item.type}: ${item.type === 'user_message' || item.type === 'assistant_message' ? item.content.map(part => part.text).join('') : ''}`);

test('a database outage: 503s while it is down, a reply in flight ends in the in-band error, everything acknowledged is there after', { timeout: 90_000 }, async () => {
  const account: Account = await signUp(server, 'Barbara');
  const token = await getToken(server, account);
  const { threadId } = await createThread(server, token, 'first');
  await readEvents(await chatkit(server, token, { type: 'threads.add_user_message', params: { thread_id: threadId, input: userInput('second') } }));

  // a reply streaming when the database goes: the user's message was acknowledged (stored, then sent back)
  const inFlight = eventsOf(await chatkit(server, token, { type: 'threads.add_user_message', params: { thread_id: threadId, input: userInput('whoami') } }));
  const seen: StreamEvent[] = [];
  for (let next = await inFlight.next(); !next.done; next = await inFlight.next()) {
    seen.push(next.value);
    if (replyText(seen)) break;
  }
  const acknowledged = seen.find(event => event.type === 'thread.item.done');
  assert.ok(acknowledged?.type === 'thread.item.done' && acknowledged.item.type === 'user_message', 'the user message came back first');

  await cluster.stop();
  for (let next = await inFlight.next(); !next.done; next = await inFlight.next()) seen.push(next.value);
  assert.deepEqual(seen.at(-1), { type: 'error', code: 'stream.error', allow_retry: true }, 'the reply could not be saved: the in-band error');
  assert.ok(!seen.some(event => event.type === 'thread.item.done' && event.item.type === 'assistant_message'), 'no reply announced as done');

  // while it is down: every request that needs the database, chat and auth alike
  const auth = (path: string, init: RequestInit = {}) => fetch(`${server.url}/api/auth${path}`, { ...init, headers: { Origin: server.url, 'Content-Type': 'application/json', ...init.headers } });
  await expect503(await chatkit(server, token, LIST), 'threads.list');
  // a streamed request is answered in-band, as the reference answers it (nothing stored)
  const create = await chatkit(server, token, { type: 'threads.create', params: { input: userInput('lost?') } });
  assert.equal(create.status, 200);
  assert.deepEqual(await readEvents(create), [{ type: 'error', code: 'stream.error', allow_retry: true }], 'threads.create');
  await expect503(await chatkit(server, token, { type: 'threads.get_by_id', params: { thread_id: threadId } }), 'threads.get_by_id');
  await expect503(await auth('/token', { headers: { Cookie: account.cookie } }), '/token');
  await expect503(await auth('/get-session', { headers: { Cookie: account.cookie } }), '/get-session');
  await expect503(await auth('/sign-in/email', { method: 'POST', body: JSON.stringify({ email: account.email, password: 'correct horse battery staple' }) }), 'sign-in');
  await expect503(await auth('/sign-up/email', { method: 'POST', body: JSON.stringify({ email: 'new@example.com', password: 'correct horse battery staple', name: 'N' }) }), 'sign-up');
  assert.deepEqual(await (await fetch(`${server.url}/healthz`)).json(), { ok: true }, 'the process itself is fine');

  await cluster.start();
  // the pool opens new connections when asked: no restart
  await eventually(async () => (await chatkit(server, token, LIST)).status === 200, 15_000);
  const thread = (await (await chatkit(server, token, { type: 'threads.get_by_id', params: { thread_id: threadId } })).json()) as Thread;
  const texts = itemTexts(thread);
  assert.deepEqual(
    texts.map(text => text.split(':')[0]),
    ['user_message', 'assistant_message', 'user_message', 'assistant_message', 'user_message'],
    texts.join('\n'),
  );
  assert.deepEqual([texts[0], texts[2], texts[4]], ['user_message: first', 'user_message: second', 'user_message: whoami']);

  // and it works as before: a new session, a new token, a new thread
  const signIn = await auth('/sign-in/email', { method: 'POST', body: JSON.stringify({ email: account.email, password: 'correct horse battery staple' }) });
  assert.equal(signIn.status, 200);
  const again = await createThread(server, await getToken(server, account), 'after the outage');
  assert.equal(again.events.at(-1)?.type, 'thread.updated');

  const { code, stdout, stderr } = await server.stop();
  assert.equal(code, 0, 'it ran through it all and stopped cleanly');
  assert.doesNotMatch(stdout, / 500 \d+ms$/m, 'no request was answered 500');
  assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');
  assert.match(stderr, /^database: an idle connection was lost: /m, 'the lost connections were reported, in one line each');
});
