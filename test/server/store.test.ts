// The chat store's contract, on the store of the running backend: SQLite here, PostgreSQL when npm test
// runs this file again with TEST_DATABASE_URL. What the protocol tests cannot arrange through HTTP:
// rows with the same created_at (insertion order decides), cursors of another owner or list, and what
// deleting, retrying and rating leave behind.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { outputText } from '../../demo/server/chatkit-types.js';
import type { ThreadItem } from '../../demo/server/chatkit-types.js';
import { newId } from '../../demo/server/store.js';
import type { ChatStore } from '../../demo/server/store.js';
import { LIMIT, startTestServer } from './helpers.js';
import type { TestServer } from './helpers.js';

const AT = '2026-01-02T03:04:05.678Z';

const message = (threadId: string, text: string, type: 'user_message' | 'assistant_message' = 'user_message'): ThreadItem =>
  type === 'user_message'
    ? { id: newId('msg'), thread_id: threadId, created_at: AT, type, content: [{ type: 'input_text', text }], attachments: [], inference_options: {} }
    : { id: newId('msg'), thread_id: threadId, created_at: AT, type, content: [outputText(text)] };

const ids = (values: readonly { id: string }[]) => values.map(value => value.id);

describe('chat store', LIMIT, () => {
  let server: TestServer;
  let store: ChatStore;
  before(async () => {
    server = await startTestServer();
    store = server.app.store;
  });
  after(() => server.stop());

  test('rows with the same created_at come in insertion order, both ways, page by page', async () => {
    const threads = [];
    for (let i = 0; i < 5; i++) threads.push(await store.createThread('owner-ties', AT));
    const created = ids(threads);
    for (const order of ['asc', 'desc'] as const) {
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store.listThreads('owner-ties', { limit: 2, order, ...(after && { after }) });
        seen.push(...ids(page.data));
        if (!page.has_more) break;
        after = page.after;
      }
      assert.deepEqual(seen, order === 'asc' ? created : [...created].reverse(), order);
    }
    const threadId = created[0]!;
    const items = [message(threadId, 'one'), message(threadId, 'two', 'assistant_message'), message(threadId, 'three')];
    for (const item of items) await store.addItem('owner-ties', item);
    const first = await store.listItems('owner-ties', threadId, { limit: 2, order: 'asc' });
    const rest = await store.listItems('owner-ties', threadId, { limit: 2, order: 'asc', after: first.after! });
    assert.deepEqual([...first.data, ...rest.data], items, 'items come back as stored');
    assert.deepEqual(await store.latestItems('owner-ties', threadId, 2), items.slice(1));
  });

  test('another owner sees nothing: not the thread, not its items, not its ids as cursors', async () => {
    const thread = await store.createThread('owner-a', AT);
    const item = message(thread.id, 'mine');
    await store.addItem('owner-a', item);
    assert.equal(await store.getThread('owner-b', thread.id), undefined);
    assert.equal(await store.getItem('owner-b', thread.id, item.id), undefined);
    assert.deepEqual(await store.listItems('owner-b', thread.id, { limit: 20, order: 'asc' }), { data: [], has_more: false });
    await assert.rejects(store.listThreads('owner-b', { limit: 20, order: 'asc', after: thread.id }), { code: 'invalid_cursor' });
    await assert.rejects(store.listItems('owner-a', thread.id, { limit: 20, order: 'asc', after: thread.id }), { code: 'invalid_cursor' }, 'a thread id is no item cursor');
    assert.equal(await store.setTitle('owner-b', thread.id, 'taken'), undefined);
    assert.equal(await store.deleteThread('owner-b', thread.id), false);
    await store.setFeedback('owner-b', thread.id, [item.id], 'negative');
    await store.deleteItemsAfter('owner-b', thread.id, item.id);
    assert.equal(await store.feedbackOf('owner-a', thread.id, item.id), undefined);
    assert.deepEqual(await store.getThread('owner-a', thread.id), thread);
  });

  test('titles set and cleared, feedback on the named items only, retry drops what follows, delete takes the items along', async () => {
    const thread = await store.createThread('owner-c', AT);
    assert.equal((await store.setTitle('owner-c', thread.id, 'Named'))?.title, 'Named');
    assert.equal('title' in (await store.setTitle('owner-c', thread.id, undefined))!, false, 'a cleared title is omitted, not null');

    const items = [message(thread.id, 'q1'), message(thread.id, 'a1', 'assistant_message'), message(thread.id, 'q2'), message(thread.id, 'a2', 'assistant_message')];
    for (const item of items) await store.addItem('owner-c', item);
    await store.setFeedback('owner-c', thread.id, [items[1]!.id, 'msg_unknown'], 'positive');
    assert.deepEqual(
      await Promise.all(items.map(item => store.feedbackOf('owner-c', thread.id, item.id))),
      [undefined, 'positive', undefined, undefined],
    );

    await store.deleteItemsAfter('owner-c', thread.id, items[1]!.id);
    assert.deepEqual(ids((await store.listItems('owner-c', thread.id, { limit: 20, order: 'asc' })).data), ids(items.slice(0, 2)));
    await store.deleteItemsAfter('owner-c', thread.id, 'msg_unknown');
    assert.equal((await store.listItems('owner-c', thread.id, { limit: 20, order: 'asc' })).data.length, 2, 'an unknown item removes nothing');

    assert.equal(await store.deleteThread('owner-c', thread.id), true);
    assert.equal(await store.getItem('owner-c', thread.id, items[0]!.id), undefined);
    assert.equal(await store.deleteThread('owner-c', thread.id), false);
  });
});
