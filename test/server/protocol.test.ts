// The demo backend's chat through the package's ChatKit server: a conversation with the offline
// responder (events in the reference order, validated against the JSON Schemas), paging, retry,
// titles, feedback, errors. The reference transcript itself is replayed on the package's server by
// chatkit-replay.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ThreadStreamEvent as StreamEvent, Thread } from '../../src/server/index.js';
import { fromText } from '../../demo/server/responders/text.js';
import type { TextResponder } from '../../demo/server/responders/types.js';
import { chatkit, createThread, LIMIT, readEvents, replyText, startTestServer, userInput, userWithToken } from './helpers.js';
import type { TestServer } from './helpers.js';
import { assertValid, schemas } from './schemas.js';

/** Event names, with the update type for thread.item.updated. */
function eventNames(events: readonly { type?: unknown; update?: unknown }[]): string[] {
  return events.map(event => (event.type === 'thread.item.updated' ? `${event.type}:${(event.update as { type: string }).type}` : String(event.type)));
}

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function assertTimes(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  for (const [key, child] of Object.entries(value)) {
    if (key === 'created_at') assert.match(String(child), ISO_UTC);
    else assertTimes(child);
  }
}

function validateEvents(events: readonly StreamEvent[]): void {
  for (const [index, event] of events.entries()) {
    assertValid(schemas.streamEvent, event, `event ${index} (${event.type})`);
    assertTimes(event);
  }
}

describe('conversations with the offline responder', LIMIT, () => {
  let server: TestServer;
  let user: Awaited<ReturnType<typeof userWithToken>>;
  before(async () => {
    server = await startTestServer();
    user = await userWithToken(server, 'Ada Lovelace');
  });
  after(() => server.stop());

  const call = (body: unknown) => chatkit(server, user.token, body);
  const json = async <T>(body: unknown): Promise<T> => {
    const response = await call(body);
    assert.equal(response.status, 200, `${JSON.stringify(body)} -> ${response.status}`);
    return (await response.json()) as T;
  };

  test('a first turn: events in the reference order, several deltas, a title, all persisted', async () => {
    const { events, threadId } = await createThread(server, user.token, 'Tell me about the  analytical engine, please');
    validateEvents(events);
    const names = eventNames(events);
    const deltas = names.filter(name => name.endsWith('text_delta')).length;
    assert.ok(deltas >= 3, `only ${deltas} text deltas`);
    assert.deepEqual(names, [
      'thread.created',
      'thread.item.done',
      'stream_options',
      'progress_update',
      'thread.item.added',
      'thread.item.updated:assistant_message.content_part.added',
      ...Array<string>(deltas).fill('thread.item.updated:assistant_message.content_part.text_delta'),
      'thread.item.updated:assistant_message.content_part.done',
      'thread.item.done',
      'thread.updated',
    ]);
    const reply = replyText(events);
    assert.match(reply, /You wrote 7 words/);
    const done = events.at(-2);
    assert.ok(done?.type === 'thread.item.done' && done.item.type === 'assistant_message', 'the reply ends with its item');
    assert.equal(done.item.content[0]?.text, reply);
    const updated = events.at(-1);
    assert.ok(updated?.type === 'thread.updated', 'the first turn ends with thread.updated');
    assert.equal(updated.thread.title, 'Tell me about the analytical engine,…');

    const thread = await json<Thread>({ type: 'threads.get_by_id', params: { thread_id: threadId } });
    assertValid(schemas.thread, thread, 'thread');
    assert.equal(thread.title, updated.thread.title);
    assert.deepEqual(
      thread.items.data.map(item => item.type),
      ['user_message', 'assistant_message'],
    );
    assert.deepEqual(thread.items.data[1], done.item);
  });

  test('"whoami" answers with the verified claims: the user id (sub) and the name', async () => {
    const { events } = await createThread(server, user.token, 'whoami');
    const reply = replyText(events);
    assert.match(reply, /You are \*\*Ada Lovelace\*\*/);
    assert.ok(reply.includes(`\`${user.userId}\``), 'the reply names the sub');
    assert.ok(reply.includes(server.url), 'the reply names the issuer');
    assert.ok(!reply.includes(user.email), 'no email: it is not in the token');
  });

  test('"help" says what the responder can do; the next turn sees the history', async () => {
    const { events, threadId } = await createThread(server, user.token, 'help');
    assert.match(replyText(events), /whoami/);
    const second = await readEvents(await call({ type: 'threads.add_user_message', params: { thread_id: threadId, input: userInput('one two three') } }));
    validateEvents(second);
    assert.equal(second[0]?.type, 'thread.item.done');
    assert.ok(!second.some(event => event.type === 'thread.updated'), 'the title is set once, on the first turn');
    assert.match(replyText(second), /You wrote 3 words .* message 2 of yours/s);
  });

  test('threads.list and items.list page by created_at with the last id as cursor', async () => {
    const other = await userWithToken(server);
    const created: string[] = [];
    for (const text of ['first', 'second', 'third', 'fourth', 'fifth']) created.push((await createThread(server, other.token, text)).threadId);
    const list = async (params: Record<string, unknown>) => {
      const response = await chatkit(server, other.token, { type: 'threads.list', params });
      assert.equal(response.status, 200);
      const page = (await response.json()) as { data: Thread[]; has_more: boolean; after?: string };
      assertValid(schemas.threadsPage, page, 'threads page');
      return page;
    };
    for (const order of ['desc', 'asc'] as const) {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; ; pages++) {
        assert.ok(pages < 5, 'paging does not end');
        const page = await list({ limit: 2, order, ...(cursor && { after: cursor }) });
        assert.ok(page.data.length <= 2, `${page.data.length} threads on a page of 2`);
        for (const thread of page.data) assert.deepEqual(thread.items, { data: [], has_more: false });
        seen.push(...page.data.map(thread => thread.id));
        if (!page.has_more) {
          assert.equal(page.after, undefined);
          break;
        }
        assert.equal(page.after, page.data.at(-1)?.id);
        cursor = page.after;
      }
      assert.deepEqual(seen, order === 'asc' ? created : [...created].reverse(), order);
    }
    assert.equal((await list({})).data.length, 5, 'default order desc, limit 20');

    const threadId = created[0]!;
    await readEvents(await chatkit(server, other.token, { type: 'threads.add_user_message', params: { thread_id: threadId, input: userInput('again') } }));
    const itemsPage = async (params: Record<string, unknown>) => {
      const response = await chatkit(server, other.token, { type: 'items.list', params: { thread_id: threadId, ...params } });
      assert.equal(response.status, 200);
      const page = (await response.json()) as { data: { id: string; type: string }[]; has_more: boolean; after?: string };
      assertValid(schemas.itemsPage, page, 'items page');
      return page;
    };
    const all = await itemsPage({ order: 'asc' });
    assert.deepEqual(
      all.data.map(item => item.type),
      ['user_message', 'assistant_message', 'user_message', 'assistant_message'],
    );
    const first = await itemsPage({ order: 'asc', limit: 3 });
    assert.equal(first.has_more, true);
    const rest = await itemsPage({ order: 'asc', limit: 3, after: first.after });
    assert.equal(rest.has_more, false);
    assert.deepEqual([...first.data, ...rest.data], all.data);
    const newestFirst = await itemsPage({});
    assert.deepEqual(newestFirst.data, [...all.data].reverse(), 'items.list defaults to desc');

    const unknownCursor = await chatkit(server, other.token, { type: 'threads.list', params: { after: 'thr_nope' } });
    assert.equal(unknownCursor.status, 400);
    assert.equal(((await unknownCursor.json()) as { code: string }).code, 'invalid_cursor');
  });

  test('threads.retry_after_item drops every later item and streams a new reply', async () => {
    const { threadId } = await createThread(server, user.token, 'retry me');
    await readEvents(await call({ type: 'threads.add_user_message', params: { thread_id: threadId, input: userInput('later') } }));
    const before = await json<Thread>({ type: 'threads.get_by_id', params: { thread_id: threadId } });
    assert.equal(before.items.data.length, 4);
    const [firstUser, firstReply] = before.items.data;

    const assistantRetry = await call({ type: 'threads.retry_after_item', params: { thread_id: threadId, item_id: firstReply!.id } });
    assert.equal(assistantRetry.status, 400, 'only a user message can be retried');
    const missing = await call({ type: 'threads.retry_after_item', params: { thread_id: threadId, item_id: 'msg_missing' } });
    assert.equal(missing.status, 404);

    const events = await readEvents(await call({ type: 'threads.retry_after_item', params: { thread_id: threadId, item_id: firstUser!.id } }));
    validateEvents(events);
    assert.equal(events[0]?.type, 'stream_options');
    assert.match(replyText(events), /You wrote 2 words/);
    const after = await json<Thread>({ type: 'threads.get_by_id', params: { thread_id: threadId } });
    assert.deepEqual(
      after.items.data.map(item => item.id),
      [firstUser!.id, (events.at(-1) as Extract<StreamEvent, { type: 'thread.item.done' }>).item.id],
    );
  });

  test('threads.update renames, items.feedback is accepted, threads.delete removes', async () => {
    const { threadId } = await createThread(server, user.token, 'name me');
    const renamed = await json<Thread>({ type: 'threads.update', params: { thread_id: threadId, title: 'Renamed' } });
    assertValid(schemas.thread, renamed, 'renamed thread');
    assert.equal(renamed.title, 'Renamed');
    const fetched = await json<Thread>({ type: 'threads.get_by_id', params: { thread_id: threadId } });
    assert.equal(fetched.title, 'Renamed');
    assert.equal(fetched.items.data.length, 2, 'renaming keeps the items');

    const reply = fetched.items.data[1]!;
    assert.deepEqual(await json({ type: 'items.feedback', params: { thread_id: threadId, item_ids: [reply.id, 'msg_unknown'], kind: 'negative' } }), {});

    assert.deepEqual(await json({ type: 'threads.delete', params: { thread_id: threadId } }), {});
    const gone = await call({ type: 'threads.get_by_id', params: { thread_id: threadId } });
    assert.equal(gone.status, 404);
    assert.deepEqual(await gone.json(), { error: 'No such thread, item or attachment.', code: 'not_found' });
  });

  test('U+0000 and lone surrogates: kept in messages; the title made from them leaves U+0000 out and has U+FFFD for a lone surrogate, on either store', async () => {
    const text = 'nul\u0000here and \ud800 alone';
    const { events, threadId } = await createThread(server, user.token, text);
    assert.equal(events.at(-1)?.type, 'thread.updated', 'the turn completed');
    const thread = await json<Thread>({ type: 'threads.get_by_id', params: { thread_id: threadId } });
    assert.equal(thread.title, 'nulhere and \ufffd alone');
    const sent = thread.items.data[0] as { content: { text: string }[] };
    assert.equal(sent.content[0]?.text, text);
  });

  test('an action the offline responder does not know: an in-band custom error (streamed), a 400 (sync)', async () => {
    const { threadId } = await createThread(server, user.token, 'actions?');
    const events = await readEvents(await call({ type: 'threads.custom_action', params: { thread_id: threadId, action: { type: 'x' } } }));
    validateEvents(events);
    assert.deepEqual(events.at(-1), { type: 'error', code: 'custom', message: 'The offline responder does not know the action "x".', allow_retry: false });
    const sync = await call({ type: 'threads.sync_custom_action', params: { thread_id: threadId, action: { type: 'x' } } });
    assert.equal(sync.status, 400);
    assert.equal(((await sync.json()) as { code: string }).code, 'unknown_action');
  });
});

describe('responder failures', LIMIT, () => {
  let behaviour: 'partial' | 'silent' = 'partial';
  const flaky: TextResponder = {
    name: 'flaky',
    async *respond() {
      if (behaviour === 'partial') {
        yield 'Half an ';
        yield 'answer';
        throw new Error('model went away');
      }
    },
  };
  let server: TestServer;
  let token: string;
  before(async () => {
    server = await startTestServer({ config: { responder: store => fromText(flaky, store) } });
    ({ token } = await userWithToken(server));
  });
  after(() => server.stop());

  test('a failure after some text: the in-band stream.error ends the stream, and nothing of the unfinished reply is stored (as the reference)', async () => {
    behaviour = 'partial';
    const { events, threadId } = await createThread(server, token, 'go');
    validateEvents(events);
    assert.deepEqual(eventNames(events).slice(-3), [
      'thread.item.updated:assistant_message.content_part.text_delta',
      'thread.item.updated:assistant_message.content_part.text_delta',
      'error',
    ]);
    assert.deepEqual(events.at(-1), { type: 'error', code: 'stream.error', allow_retry: true });
    const thread = (await (await chatkit(server, token, { type: 'threads.get_by_id', params: { thread_id: threadId } })).json()) as Thread;
    assert.deepEqual(
      thread.items.data.map(item => item.type),
      ['user_message'],
    );
    assert.equal(thread.title, undefined, 'no title on a failed turn');
  });

  test('a responder that says nothing is a failure too, and no title is set on a failed turn', async () => {
    behaviour = 'silent';
    const { events, threadId } = await createThread(server, token, 'anything');
    validateEvents(events);
    assert.deepEqual(eventNames(events), ['thread.created', 'thread.item.done', 'stream_options', 'error']);
    const thread = (await (await chatkit(server, token, { type: 'threads.get_by_id', params: { thread_id: threadId } })).json()) as Thread;
    assert.equal(thread.title, undefined);
    assert.equal(thread.items.data.length, 1);
  });
});
