// The Store contract, one suite on every store (memory and SQLite here; PostgreSQL in npm test's
// postgres suite): ids and their prefixes, upserts, pages and cursors in both orders, items kept in
// place, hidden items stored, and every call scoped to its user: another user's thread, item or
// attachment behaves exactly like one that does not exist.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { InvalidCursorError, NotFoundError } from '../../src/server/index.js';
import type { Attachment, ChatKitContext, Store, ThreadItem, ThreadMetadata } from '../../src/server/index.js';
import { storeKinds } from './chatkit-stores.js';
import type { StoreFixture } from './chatkit-stores.js';

const as = (sub: string): ChatKitContext => ({ user: { sub, claims: { sub } }, request: new Request('https://api.test/chatkit'), signal: new AbortController().signal });
const alice = as('alice');
const bob = as('bob');

let clock = Date.parse('2026-01-01T00:00:00.000Z');
const tick = () => new Date((clock += 1000)).toISOString();

function thread(store: Store, context = alice, extra: Partial<ThreadMetadata> = {}): ThreadMetadata {
  return { id: store.generateThreadId(context), created_at: tick(), status: { type: 'active' }, metadata: {}, ...extra };
}

function message(store: Store, owner: ThreadMetadata, text: string, createdAt = tick()): ThreadItem {
  return {
    id: store.generateItemId('message', owner, alice),
    thread_id: owner.id,
    created_at: createdAt,
    type: 'assistant_message',
    content: [{ annotations: [], text, type: 'output_text' }],
  };
}

const texts = (items: ThreadItem[]) => items.map(item => (item.type === 'assistant_message' ? item.content[0]!.text : item.type));

for (const kind of storeKinds) {
  describe(`Store contract: ${kind.name}`, () => {
    let fixture: StoreFixture;
    let store: Store;
    before(async () => {
      fixture = await kind.open();
      store = fixture.store;
    });
    after(() => fixture.close());

    test('ids: the reference prefixes, 16 random hex digits', () => {
      const owner = thread(store);
      assert.match(store.generateThreadId(alice), /^thr_[0-9a-f]{16}$/);
      const prefixes = { message: 'msg', tool_call: 'tc', task: 'tsk', workflow: 'wf', sdk_hidden_context: 'shcx', attachment: 'atc', thread: 'thr' } as const;
      for (const [type, prefix] of Object.entries(prefixes)) {
        assert.match(store.generateItemId(type as keyof typeof prefixes, owner, alice), new RegExp(`^${prefix}_[0-9a-f]{16}$`));
      }
      assert.notEqual(store.generateThreadId(alice), store.generateThreadId(alice));
    });

    test('threads: saved, loaded as saved, updated in place (upsert), deleted with their items', async () => {
      const saved = thread(store, alice, { metadata: { plan: 'pro', nested: { n: 1 } } });
      await store.saveThread(saved, alice);
      assert.deepEqual(await store.loadThread(saved.id, alice), saved);
      const renamed = { ...saved, title: 'Renamed', status: { type: 'locked' as const, reason: 'archived' }, allowed_image_domains: ['img.test'] };
      await store.saveThread(renamed, alice);
      assert.deepEqual(await store.loadThread(saved.id, alice), renamed);
      const item = message(store, saved, 'hello');
      await store.addThreadItem(saved.id, item, alice);
      await store.deleteThread(saved.id, alice);
      await assert.rejects(store.loadThread(saved.id, alice), NotFoundError);
      await assert.rejects(store.loadItem(saved.id, item.id, alice), NotFoundError);
      await store.deleteThread(saved.id, alice); // nothing there: no error
    });

    test('a saved object changed afterwards changes nothing stored', async () => {
      const saved = thread(store);
      await store.saveThread(saved, alice);
      saved.title = 'changed after saving';
      assert.equal((await store.loadThread(saved.id, alice)).title, undefined);
    });

    test('thread pages: created_at order both ways, cursors, has_more and after', async () => {
      const context = as(`pager-${kind.name}`);
      const made: ThreadMetadata[] = [];
      for (let index = 0; index < 5; index++) {
        const next = thread(store, context, { title: `t${index}` });
        await store.saveThread(next, context);
        made.push(next);
      }
      const first = await store.loadThreads(2, undefined, 'desc', context);
      assert.deepEqual(
        first.data.map(t => t.title),
        ['t4', 't3'],
      );
      assert.equal(first.has_more, true);
      assert.equal(first.after, made[3]!.id);
      const second = await store.loadThreads(2, first.after, 'desc', context);
      assert.deepEqual(
        second.data.map(t => t.title),
        ['t2', 't1'],
      );
      const last = await store.loadThreads(2, second.after, 'desc', context);
      assert.deepEqual(last, { data: [made[0]], has_more: false });
      const asc = await store.loadThreads(3, undefined, 'asc', context);
      assert.deepEqual(
        asc.data.map(t => t.title),
        ['t0', 't1', 't2'],
      );
      assert.deepEqual(await store.loadThreads(10, made[4]!.id, 'asc', context), { data: [], has_more: false });
      await assert.rejects(store.loadThreads(2, 'thr_nothing', 'desc', context), InvalidCursorError);
    });

    test('items: pages both ways; ties in created_at keep insertion order; saveItem replaces in place', async () => {
      const owner = thread(store);
      await store.saveThread(owner, alice);
      const at = tick();
      const items = ['a', 'b', 'c', 'd'].map(text => message(store, owner, text, at));
      for (const item of items) await store.addThreadItem(owner.id, item, alice);
      const asc = await store.loadThreadItems(owner.id, undefined, 3, 'asc', alice);
      assert.deepEqual(texts(asc.data), ['a', 'b', 'c']);
      assert.equal(asc.has_more, true);
      assert.equal(asc.after, items[2]!.id);
      assert.deepEqual(texts((await store.loadThreadItems(owner.id, asc.after, 3, 'asc', alice)).data), ['d']);
      const desc = await store.loadThreadItems(owner.id, undefined, 2, 'desc', alice);
      assert.deepEqual(texts(desc.data), ['d', 'c']);
      assert.deepEqual(texts((await store.loadThreadItems(owner.id, desc.after, 5, 'desc', alice)).data), ['b', 'a']);
      const replaced = { ...items[1]!, content: [{ annotations: [], text: 'B', type: 'output_text' as const }] } as ThreadItem;
      await store.saveItem(owner.id, replaced, alice);
      assert.deepEqual(texts((await store.loadThreadItems(owner.id, undefined, 10, 'asc', alice)).data), ['a', 'B', 'c', 'd']);
      assert.deepEqual(await store.loadItem(owner.id, items[1]!.id, alice), replaced);
      const fresh = message(store, owner, 'e');
      await store.saveItem(owner.id, fresh, alice); // upsert: added when missing
      assert.deepEqual(texts((await store.loadThreadItems(owner.id, undefined, 10, 'asc', alice)).data), ['a', 'B', 'c', 'd', 'e']);
      await store.deleteThreadItem(owner.id, items[0]!.id, alice);
      await store.deleteThreadItem(owner.id, items[0]!.id, alice); // gone already: no error
      assert.deepEqual(texts((await store.loadThreadItems(owner.id, undefined, 10, 'asc', alice)).data), ['B', 'c', 'd', 'e']);
      await assert.rejects(store.loadThreadItems(owner.id, items[0]!.id, 10, 'asc', alice), InvalidCursorError);
      await assert.rejects(store.loadItem(owner.id, 'msg_nothing', alice), NotFoundError);
      await assert.rejects(store.addThreadItem('thr_nothing', message(store, owner, 'x'), alice), NotFoundError);
      await assert.rejects(store.loadThreadItems('thr_nothing', undefined, 10, 'asc', alice), NotFoundError);
    });

    test('every item type and hidden items are stored as given, key order included', async () => {
      const owner = thread(store);
      await store.saveThread(owner, alice);
      const base = () => ({ thread_id: owner.id, created_at: tick() });
      const items: ThreadItem[] = [
        { id: 'msg_u', ...base(), type: 'user_message', content: [{ type: 'input_text', text: 'hi' }, { type: 'input_tag', id: 'e', text: 'E', data: { n: 1 }, interactive: true }], attachments: [], quoted_text: 'q', inference_options: { model: 'm' } },
        { id: 'tc_1', ...base(), type: 'client_tool_call', status: 'pending', call_id: 'c', name: 'n', arguments: { a: [1, 2] } },
        { id: 'msg_w', ...base(), type: 'widget', widget: { type: 'Card', children: [{ type: 'Text', id: 't', value: 'x' }] }, copy_text: 'x' },
        { id: 'msg_i', ...base(), type: 'generated_image', image: { id: 'ig', url: 'https://img.test/a.png' } },
        { id: 'msg_s', ...base(), type: 'structured_input', status: 'pending', inputs: [{ id: 'q', question: 'Q?', type: 'freeform' }] },
        { id: 'wf_1', ...base(), type: 'workflow', workflow: { type: 'custom', tasks: [{ status_indicator: 'complete', type: 'thought', content: 'c' }], summary: { duration: 2 }, expanded: false } },
        { id: 'tsk_1', ...base(), type: 'task', task: { status_indicator: 'none', type: 'custom', title: 'T' } },
        { id: 'msg_h', ...base(), type: 'hidden_context_item', content: { any: ['json'] } },
        { id: 'shcx_1', ...base(), type: 'sdk_hidden_context', content: 'note' },
        { id: 'msg_e', ...base(), type: 'end_of_turn' },
      ];
      for (const item of items) await store.addThreadItem(owner.id, item, alice);
      const page = await store.loadThreadItems(owner.id, undefined, 20, 'asc', alice);
      assert.deepEqual(page.data, items);
      assert.deepEqual(
        page.data.map(item => JSON.stringify(item)),
        items.map(item => JSON.stringify(item)),
      );
    });

    test('attachments: saved (upsert), loaded with their server-only metadata, deleted', async () => {
      const attachment: Attachment = { id: 'atc_1', name: 'a.png', mime_type: 'image/png', metadata: { key: 'k' }, type: 'image', preview_url: 'https://files.test/a' };
      await store.saveAttachment(attachment, alice);
      assert.deepEqual(await store.loadAttachment('atc_1', alice), attachment);
      const used = { ...attachment, thread_id: 'thr_x' };
      await store.saveAttachment(used, alice);
      assert.deepEqual(await store.loadAttachment('atc_1', alice), used);
      await store.deleteAttachment('atc_1', alice);
      await assert.rejects(store.loadAttachment('atc_1', alice), NotFoundError);
      await store.deleteAttachment('atc_1', alice);
    });

    test("another user's thread, item and attachment: exactly like ids that do not exist", async () => {
      const mine = thread(store);
      await store.saveThread(mine, alice);
      const item = message(store, mine, 'private');
      await store.addThreadItem(mine.id, item, alice);
      await store.saveAttachment({ id: 'atc_mine', name: 'a', mime_type: 'text/plain', type: 'file' }, alice);

      for (const [what, call] of [
        ['loadThread', () => store.loadThread(mine.id, bob)],
        ['loadThreadItems', () => store.loadThreadItems(mine.id, undefined, 10, 'asc', bob)],
        ['loadItem', () => store.loadItem(mine.id, item.id, bob)],
        ['addThreadItem', () => store.addThreadItem(mine.id, message(store, mine, 'intruder'), bob)],
        ['saveItem', () => store.saveItem(mine.id, { ...item, content: [] } as ThreadItem, bob)],
        ['loadAttachment', () => store.loadAttachment('atc_mine', bob)],
      ] as const) {
        await assert.rejects(call(), NotFoundError, what);
      }
      await assert.rejects(store.loadThreads(10, mine.id, 'desc', bob), InvalidCursorError);
      // writes under bob's name touch nothing of alice's
      await store.deleteThreadItem(mine.id, item.id, bob);
      await store.deleteThread(mine.id, bob);
      await store.deleteAttachment('atc_mine', bob);
      await store.saveThread({ ...mine, title: 'bob was here' }, bob);
      await store.saveAttachment({ id: 'atc_mine', name: 'bob', mime_type: 'text/plain', type: 'file' }, bob);
      assert.equal((await store.loadThread(mine.id, alice)).title, undefined);
      assert.deepEqual(await store.loadItem(mine.id, item.id, alice), item);
      assert.equal((await store.loadAttachment('atc_mine', alice)).name, 'a');
      // bob's own thread of the same id is his, and alice's list does not show it
      assert.equal((await store.loadThread(mine.id, bob)).title, 'bob was here');
      assert.ok((await store.loadThreads(100, undefined, 'desc', alice)).data.every(t => t.title !== 'bob was here'));
      assert.deepEqual(
        (await store.loadThreads(100, undefined, 'desc', bob)).data.map(t => t.title),
        ['bob was here'],
      );
    });

    test('ids and cursors holding U+0000 (PostgreSQL text cannot): names nothing, never a driver error', async () => {
      const mine = thread(store);
      await store.saveThread(mine, alice);
      const nul = `${mine.id}\u0000`;
      for (const [what, call] of [
        ['loadThread', () => store.loadThread(nul, alice)],
        ['loadThreadItems', () => store.loadThreadItems(nul, undefined, 10, 'asc', alice)],
        ['loadItem', () => store.loadItem(mine.id, 'msg_\u0000', alice)],
        ['loadAttachment', () => store.loadAttachment('atc_\u0000', alice)],
      ] as const) {
        await assert.rejects(call(), NotFoundError, what);
      }
      await assert.rejects(store.loadThreads(10, nul, 'desc', alice), InvalidCursorError);
      await assert.rejects(store.loadThreadItems(mine.id, 'msg_\u0000', 10, 'asc', alice), InvalidCursorError);
      await store.deleteThreadItem(mine.id, 'msg_\u0000', alice);
      await store.deleteThread(nul, alice);
      await store.deleteAttachment('atc_\u0000', alice);
      assert.equal((await store.loadThread(mine.id, alice)).id, mine.id);
    });
  });
}
