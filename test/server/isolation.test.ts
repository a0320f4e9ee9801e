// User isolation: every thread belongs to its token's sub. User B can neither list, read, page,
// rename, delete, retry, continue nor rate user A's threads; to B they are exactly like missing ones.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Thread } from '../../src/server/index.js';
import { chatkit, createThread, LIMIT, readEvents, startTestServer, userInput, userWithToken } from './helpers.js';
import type { TestServer } from './helpers.js';

let server: TestServer;
let alice: Awaited<ReturnType<typeof userWithToken>>;
let bob: Awaited<ReturnType<typeof userWithToken>>;
let threadId: string;
let firstItemId: string;
let aliceBefore: Thread;

const getThread = async (token: string, id: string) => chatkit(server, token, { type: 'threads.get_by_id', params: { thread_id: id } });

before(async () => {
  server = await startTestServer();
  alice = await userWithToken(server, 'Alice');
  bob = await userWithToken(server, 'Bob');
  ({ threadId } = await createThread(server, alice.token, 'my secret plans'));
  aliceBefore = (await (await getThread(alice.token, threadId)).json()) as Thread;
  firstItemId = aliceBefore.items.data[0]!.id;
});
after(() => server.stop());

test("B's requests on A's thread answer exactly what a missing thread answers", LIMIT, async () => {
  const requests = (id: string) => [
    { type: 'threads.get_by_id', params: { thread_id: id } },
    { type: 'items.list', params: { thread_id: id } },
    { type: 'threads.update', params: { thread_id: id, title: 'pwned' } },
    { type: 'threads.delete', params: { thread_id: id } },
    { type: 'threads.retry_after_item', params: { thread_id: id, item_id: firstItemId } },
    { type: 'threads.add_user_message', params: { thread_id: id, input: userInput('hello from bob') } },
    { type: 'items.feedback', params: { thread_id: id, item_ids: [firstItemId], kind: 'negative' } },
    { type: 'threads.custom_action', params: { thread_id: id, action: { type: 'x' } } },
  ];
  const missing = requests('thr_0000000000000000');
  for (const [index, body] of requests(threadId).entries()) {
    const onAlices = await chatkit(server, bob.token, body);
    const onMissing = await chatkit(server, bob.token, missing[index]);
    // a 404 JSON (a 200 {} for an idempotent delete), or for a streamed request the in-band error: the same either way
    assert.equal(onAlices.status, onMissing.status, body.type);
    assert.notEqual(onAlices.status, 500, body.type);
    const answer = await onAlices.text();
    assert.equal(answer, await onMissing.text(), body.type);
    if (onAlices.headers.get('content-type')?.startsWith('text/event-stream')) assert.match(answer, /^data: \{"type":"error"/, body.type);
    else if (onAlices.status === 200) assert.equal(answer, '{}', body.type);
  }
});

test("B's thread list does not show A's threads, and A's thread id is no cursor for B", LIMIT, async () => {
  await createThread(server, bob.token, 'my own thread');
  const page = (await (await chatkit(server, bob.token, { type: 'threads.list', params: {} })).json()) as { data: Thread[] };
  assert.equal(page.data.length, 1);
  assert.notEqual(page.data[0]?.id, threadId);
  const cursor = await chatkit(server, bob.token, { type: 'threads.list', params: { after: threadId } });
  assert.equal(cursor.status, 400);
  const items = await chatkit(server, bob.token, { type: 'items.list', params: { thread_id: threadId, after: firstItemId } });
  assert.equal(items.status, 404);
});

test("A's thread is untouched: same title, same items, and A still has full access", LIMIT, async () => {
  const now = (await (await getThread(alice.token, threadId)).json()) as Thread;
  assert.deepEqual(now, aliceBefore);
  const events = await readEvents(await chatkit(server, alice.token, { type: 'threads.add_user_message', params: { thread_id: threadId, input: userInput('still mine') } }));
  assert.equal(events.at(-1)?.type, 'thread.item.done');
  const list = (await (await chatkit(server, alice.token, { type: 'threads.list', params: {} })).json()) as { data: Thread[] };
  assert.deepEqual(
    list.data.map(thread => thread.id),
    [threadId],
  );
});
