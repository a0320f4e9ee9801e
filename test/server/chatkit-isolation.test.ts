// Every request type between two users: bob names alice's thread, item and attachment ids, and gets
// exactly the answer an id that does not exist gets (status and body); nothing of alice's changes, and
// no hook sees her data. Runs on every store (memory and SQLite; PostgreSQL in npm test's postgres suite).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { clientToolCall, itemDone, MemoryAttachmentStore, streamAssistantMessage, structuredInput } from '../../src/server/index.js';
import type { Attachment, ChatKitContext, Store, ThreadItem, ThreadStreamEvent, WidgetRoot } from '../../src/server/index.js';
import { input, testChatKit } from './chatkit-harness.js';
import type { TestChatKit } from './chatkit-harness.js';
import { storeKinds } from './chatkit-stores.js';
import type { StoreFixture } from './chatkit-stores.js';

const context = (sub: string): ChatKitContext => ({ user: { sub, claims: { sub } }, request: new Request('https://api.test/'), signal: new AbortController().signal });

/** Everything alice has, read straight from the store. */
async function snapshot(store: Store, threadIds: string[], attachmentIds: string[]): Promise<string> {
  const alice = context('alice');
  const threads = await store.loadThreads(100, undefined, 'asc', alice);
  const items: ThreadItem[][] = [];
  for (const id of threadIds) items.push((await store.loadThreadItems(id, undefined, 100, 'asc', alice)).data);
  const attachments: Attachment[] = [];
  for (const id of attachmentIds) attachments.push(await store.loadAttachment(id, alice));
  return JSON.stringify({ threads, items, attachments });
}

for (const kind of storeKinds) {
  describe(`isolation between users, every request type: ${kind.name}`, () => {
    let fixture: StoreFixture;
    let kit: TestChatKit;
    const seen: { hook: string; sub: string; args: string }[] = [];
    const attachments = new MemoryAttachmentStore({ uploadUrl: id => `https://files.test/${id}` });
    let alice: { thread: string; widget: string; form: string; message: string; attachment: string; toolThread: string };
    let bobThread: string;

    const card = { type: 'Card', children: [{ type: 'Text', id: 't', value: 'hi' }] } as WidgetRoot;

    before(async () => {
      fixture = await kind.open();
      kit = await testChatKit({
        store: fixture.store,
        attachmentStore: attachments,
        async *respond(thread, item, ctx): AsyncGenerator<ThreadStreamEvent> {
          seen.push({ hook: 'respond', sub: ctx.user.sub, args: JSON.stringify([thread, item]) });
          const text = item?.content[0]?.type === 'input_text' ? item.content[0].text : '';
          if (text === 'widget') yield itemDone({ id: 'msg_widget0000000001', thread_id: thread.id, created_at: new Date().toISOString(), type: 'widget', widget: card });
          else if (text === 'form') yield structuredInput(thread, [{ id: 'q', question: 'Q?', type: 'freeform' }]);
          else if (text === 'tool') yield clientToolCall(thread, { name: 'page', arguments: {} });
          else yield* streamAssistantMessage(thread, ['ok']);
        },
        async *action(thread, action, sender, ctx) {
          seen.push({ hook: 'action', sub: ctx.user.sub, args: JSON.stringify([thread, action, sender]) });
          yield* streamAssistantMessage(thread, ['done']);
        },
        async syncAction(thread, action, sender, ctx) {
          seen.push({ hook: 'syncAction', sub: ctx.user.sub, args: JSON.stringify([thread, action, sender]) });
          return {};
        },
        async addFeedback(threadId, itemIds, kindOf, ctx) {
          seen.push({ hook: 'addFeedback', sub: ctx.user.sub, args: JSON.stringify([threadId, itemIds, kindOf]) });
        },
        async transcribe(_audio, ctx) {
          seen.push({ hook: 'transcribe', sub: ctx.user.sub, args: '' });
          return { text: ctx.user.sub };
        },
      });
      const created = await kit.events({ type: 'threads.create', params: { input: input('widget') } }, 'alice');
      const thread = (created[0] as { thread: { id: string } }).thread.id;
      const message = (created[1] as { item: { id: string } }).item.id;
      const form = await kit.events({ type: 'threads.add_user_message', params: { thread_id: thread, input: input('form') } }, 'alice');
      const tool = await kit.events({ type: 'threads.create', params: { input: input('tool') } }, 'alice');
      const attachment = await kit.json<{ id: string }>({ type: 'attachments.create', params: { name: 'a.txt', size: 3, mime_type: 'text/plain' } }, 'alice');
      alice = {
        thread,
        message,
        widget: 'msg_widget0000000001',
        form: (form.at(-1) as { item: { id: string } }).item.id,
        toolThread: (tool[0] as { thread: { id: string } }).thread.id,
        attachment: attachment.id,
      };
      const own = await kit.events({ type: 'threads.create', params: { input: input('mine') } }, 'bob');
      bobThread = (own[0] as { thread: { id: string } }).thread.id;
      seen.length = 0;
    });
    after(async () => {
      await kit.chatkit.close();
      await fixture.close();
    });

    /** Bob's request with alice's ids, and the same with ids that exist nowhere: the same answer. */
    async function sameAsUnknown(make: (ids: typeof alice) => unknown): Promise<Response> {
      const unknown = Object.fromEntries(Object.entries(alice).map(([key, id]) => [key, `${id.split('_')[0]}_0000000000000000`])) as typeof alice;
      const before = await snapshot(fixture.store, [alice.thread, alice.toolThread], [alice.attachment]);
      const theirs = await kit.post(make(alice), 'bob');
      const none = await kit.post(make(unknown), 'bob');
      const [theirsBody, noneBody] = [await theirs.text(), await none.text()];
      assert.deepEqual({ status: theirs.status, body: theirsBody }, { status: none.status, body: noneBody });
      assert.equal(await snapshot(fixture.store, [alice.thread, alice.toolThread], [alice.attachment]), before, "alice's data did not change");
      for (const call of seen) {
        assert.equal(call.sub, 'bob');
        for (const id of Object.values(alice)) assert.ok(!call.args.includes(id), `${call.hook} saw alice's ${id}`);
      }
      return theirs;
    }

    const notFound = async (response: Response) => assert.equal(response.status, 404);

    test('threads.create with her attachment', async () => {
      await notFound(await sameAsUnknown(ids => ({ type: 'threads.create', params: { input: input('x', { attachments: [ids.attachment] }) } })));
    });
    test('threads.add_user_message to her thread, and with her attachment in his own', async () => {
      await notFound(await sameAsUnknown(ids => ({ type: 'threads.add_user_message', params: { thread_id: ids.thread, input: input('x') } })));
      await notFound(await sameAsUnknown(ids => ({ type: 'threads.add_user_message', params: { thread_id: bobThread, input: input('x', { attachments: [ids.attachment] }) } })));
    });
    test('threads.add_client_tool_output to her thread (with a pending call)', async () => {
      await notFound(await sameAsUnknown(ids => ({ type: 'threads.add_client_tool_output', params: { thread_id: ids.toolThread, result: { stolen: true } } })));
    });
    test('threads.add_structured_input on her form, in her thread and in his', async () => {
      await notFound(await sameAsUnknown(ids => ({ type: 'threads.add_structured_input', params: { thread_id: ids.thread, item_id: ids.form, input: { answers: { q: { values: ['x'] } } } } })));
      await notFound(await sameAsUnknown(ids => ({ type: 'threads.add_structured_input', params: { thread_id: bobThread, item_id: ids.form, input: { answers: {} } } })));
    });
    test('threads.retry_after_item on her message', async () => {
      await notFound(await sameAsUnknown(ids => ({ type: 'threads.retry_after_item', params: { thread_id: ids.thread, item_id: ids.message } })));
      await notFound(await sameAsUnknown(ids => ({ type: 'threads.retry_after_item', params: { thread_id: bobThread, item_id: ids.message } })));
    });
    test('threads.custom_action and threads.sync_custom_action with her widget', async () => {
      for (const type of ['threads.custom_action', 'threads.sync_custom_action']) {
        await notFound(await sameAsUnknown(ids => ({ type, params: { thread_id: ids.thread, item_id: ids.widget, action: { type: 'x' } } })));
        await notFound(await sameAsUnknown(ids => ({ type, params: { thread_id: bobThread, item_id: ids.widget, action: { type: 'x' } } })));
        await notFound(await sameAsUnknown(ids => ({ type, params: { thread_id: ids.thread, action: { type: 'x' } } })));
      }
    });
    test('threads.get_by_id, threads.update, items.list of her thread', async () => {
      await notFound(await sameAsUnknown(ids => ({ type: 'threads.get_by_id', params: { thread_id: ids.thread } })));
      await notFound(await sameAsUnknown(ids => ({ type: 'threads.update', params: { thread_id: ids.thread, title: 'mine now' } })));
      await notFound(await sameAsUnknown(ids => ({ type: 'items.list', params: { thread_id: ids.thread } })));
      // her item as a cursor in his thread: an unknown cursor
      const cursor = await sameAsUnknown(ids => ({ type: 'items.list', params: { thread_id: bobThread, after: ids.message } }));
      assert.equal(cursor.status, 400);
    });
    test('threads.delete of her thread: {} as for an unknown id, and her thread stays', async () => {
      const response = await sameAsUnknown(ids => ({ type: 'threads.delete', params: { thread_id: ids.thread } }));
      assert.equal(response.status, 200);
    });
    test('items.feedback on her items: her thread is unknown; in his thread her ids never reach the hook', async () => {
      await notFound(await sameAsUnknown(ids => ({ type: 'items.feedback', params: { thread_id: ids.thread, item_ids: [ids.message], kind: 'negative' } })));
      const response = await sameAsUnknown(ids => ({ type: 'items.feedback', params: { thread_id: bobThread, item_ids: [ids.message], kind: 'negative' } }));
      assert.equal(response.status, 200);
      assert.ok(!seen.some(call => call.hook === 'addFeedback'));
    });
    test('attachments.delete of hers: {} as for an unknown id; her record and bytes stay', async () => {
      const response = await sameAsUnknown(ids => ({ type: 'attachments.delete', params: { attachment_id: ids.attachment } }));
      assert.equal(response.status, 200);
      assert.deepEqual(attachments.deleted, []);
    });
    test('threads.list shows only his threads; attachments.create and input.transcribe act as him', async () => {
      const page = await kit.json<{ data: { id: string }[] }>({ type: 'threads.list', params: {} }, 'bob');
      assert.deepEqual(
        page.data.map(thread => thread.id),
        [bobThread],
      );
      const created = await kit.json<{ id: string }>({ type: 'attachments.create', params: { name: 'b.txt', size: 1, mime_type: 'text/plain' } }, 'bob');
      await assert.rejects(fixture.store.loadAttachment(created.id, context('alice')));
      assert.deepEqual(await kit.json({ type: 'input.transcribe', params: { audio_base64: 'AAAA', mime_type: 'audio/webm' } }, 'bob'), { text: 'bob' });
    });
  });
}
