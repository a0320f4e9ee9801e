// The chat store's contract (the package's Store), on the store of the running backend: SQLiteStore
// here, PostgresStore when npm test runs this file again with TEST_DATABASE_URL. What the protocol
// tests cannot arrange through HTTP: rows with the same created_at (insertion order decides), cursors
// of another user or list, and what deleting leaves behind.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { InvalidCursorError, NotFoundError } from '../../src/server/index.js';
import type { ChatKitContext, Store, ThreadItem, ThreadMetadata } from '../../src/server/index.js';
import { LIMIT, startTestServer } from './helpers.js';
import type { TestServer } from './helpers.js';

const AT = '2026-01-02T03:04:05.678Z';

const as = (sub: string): ChatKitContext => ({ user: { sub, claims: { sub } }, request: new Request('http://store.test/chatkit'), signal: new AbortController().signal });

describe('chat store', LIMIT, () => {
  let server: TestServer;
  let store: Store;
  before(async () => {
    server = await startTestServer();
    store = server.app.store;
  });
  after(() => server.stop());

  const newThread = async (context: ChatKitContext): Promise<ThreadMetadata> => {
    const thread: ThreadMetadata = { id: store.generateThreadId(context), created_at: AT, status: { type: 'active' }, metadata: {} };
    await store.saveThread(thread, context);
    return thread;
  };
  const message = (thread: ThreadMetadata, context: ChatKitContext, text: string, type: 'user_message' | 'assistant_message' = 'user_message'): ThreadItem => {
    const base = { id: store.generateItemId('message', thread, context), thread_id: thread.id, created_at: AT };
    return type === 'user_message'
      ? { ...base, type, content: [{ type: 'input_text', text }], attachments: [], inference_options: {} }
      : { ...base, type, content: [{ annotations: [], text, type: 'output_text' }] };
  };
  const ids = (values: readonly { id: string }[]) => values.map(value => value.id);

  test('rows with the same created_at come in insertion order, both ways, page by page', async () => {
    const owner = as('owner-ties');
    const threads: ThreadMetadata[] = [];
    for (let i = 0; i < 5; i++) threads.push(await newThread(owner));
    const created = ids(threads);
    for (const order of ['asc', 'desc'] as const) {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await store.loadThreads(2, cursor, order, owner);
        seen.push(...ids(page.data));
        if (!page.has_more) break;
        cursor = page.after;
      }
      assert.deepEqual(seen, order === 'asc' ? created : [...created].reverse(), order);
    }
    const thread = threads[0]!;
    const items = [message(thread, owner, 'one'), message(thread, owner, 'two', 'assistant_message'), message(thread, owner, 'three')];
    for (const item of items) await store.addThreadItem(thread.id, item, owner);
    const first = await store.loadThreadItems(thread.id, undefined, 2, 'asc', owner);
    const rest = await store.loadThreadItems(thread.id, first.after, 2, 'asc', owner);
    assert.deepEqual([...first.data, ...rest.data], items, 'items come back as stored');
    assert.deepEqual((await store.loadThreadItems(thread.id, undefined, 2, 'desc', owner)).data, items.slice(1).reverse());
  });

  test('another user sees nothing: not the thread, not its items, not its ids as cursors', async () => {
    const [alice, bob] = [as('owner-a'), as('owner-b')];
    const thread = await newThread(alice);
    const item = message(thread, alice, 'mine');
    await store.addThreadItem(thread.id, item, alice);
    await assert.rejects(store.loadThread(thread.id, bob), NotFoundError);
    await assert.rejects(store.loadItem(thread.id, item.id, bob), NotFoundError);
    await assert.rejects(store.loadThreadItems(thread.id, undefined, 20, 'asc', bob), NotFoundError);
    await assert.rejects(store.loadThreads(20, thread.id, 'asc', bob), InvalidCursorError);
    await assert.rejects(store.loadThreadItems(thread.id, thread.id, 20, 'asc', alice), InvalidCursorError, 'a thread id is no item cursor');
    await assert.rejects(store.addThreadItem(thread.id, message(thread, bob, 'intruder'), bob), NotFoundError);
    await store.deleteThreadItem(thread.id, item.id, bob).catch(() => {});
    await store.deleteThread(thread.id, bob).catch(() => {});
    assert.deepEqual(await store.loadThread(thread.id, alice), thread);
    assert.deepEqual((await store.loadThreadItems(thread.id, undefined, 20, 'asc', alice)).data, [item]);
  });

  test('titles set and cleared, items replaced in place and deleted, a deleted thread takes its items along', async () => {
    const owner = as('owner-c');
    const thread = await newThread(owner);
    await store.saveThread({ ...thread, title: 'Named' }, owner);
    assert.equal((await store.loadThread(thread.id, owner)).title, 'Named');
    await store.saveThread(thread, owner);
    assert.equal('title' in (await store.loadThread(thread.id, owner)), false, 'a cleared title is omitted, not null');

    const items = [message(thread, owner, 'q1'), message(thread, owner, 'a1', 'assistant_message'), message(thread, owner, 'q2')];
    for (const item of items) await store.addThreadItem(thread.id, item, owner);
    const edited = { ...items[1]!, content: [{ annotations: [], text: 'a1, edited', type: 'output_text' as const }] } as ThreadItem;
    await store.saveItem(thread.id, edited, owner);
    assert.deepEqual((await store.loadThreadItems(thread.id, undefined, 20, 'asc', owner)).data, [items[0], edited, items[2]], 'saveItem keeps the place');
    await store.deleteThreadItem(thread.id, items[0]!.id, owner);
    assert.deepEqual(ids((await store.loadThreadItems(thread.id, undefined, 20, 'asc', owner)).data), ids([edited, items[2]!]));

    await store.deleteThread(thread.id, owner);
    await assert.rejects(store.loadThread(thread.id, owner), NotFoundError);
    await assert.rejects(store.loadItem(thread.id, items[2]!.id, owner), NotFoundError);
  });
});
