// The ChatKit protocol against the reference: the scripted conversation of chatkit-python's own
// transcript replayed on our server, event by event and answer by answer (same shapes, same order),
// everything validated against the JSON Schemas; then paging, retry, titles, feedback, errors.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { ThreadStreamEvent as StreamEvent, Thread } from '../../src/server/index.js';
import { fromText } from '../../demo/server/responders/text.js';
import type { TextResponder } from '../../demo/server/responders/types.js';
import { chatkit, createThread, LIMIT, readEvents, replyText, startTestServer, userInput, userWithToken } from './helpers.js';
import type { TestServer } from './helpers.js';
import { assertValid, schemaDir, schemas } from './schemas.js';

interface Section {
  title: string;
  request: Record<string, unknown>;
  events: Record<string, unknown>[];
  json?: unknown;
}

function parseTranscript(text: string): Section[] {
  return text
    .split(/^===== /m)
    .slice(1)
    .map(block => {
      const lines = block.split('\n');
      const requestLine = lines.find(line => line.startsWith('>>> '));
      assert.ok(requestLine, `section without a request: ${lines[0]}`);
      const events = lines.filter(line => line.startsWith('data: ')).map(line => JSON.parse(line.slice(6)) as Record<string, unknown>);
      const jsonLine = lines.find(line => line.startsWith('{'));
      return {
        title: lines[0]!.trim(),
        request: JSON.parse(requestLine.slice(4)) as Record<string, unknown>,
        events,
        ...(events.length === 0 && jsonLine !== undefined && { json: JSON.parse(jsonLine) as unknown }),
      };
    });
}

/** The structure of a value: keys, array lengths, and the values that name things (type, code, text). */
function shape(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map(item => shape(item));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map(k => [k, shape((value as Record<string, unknown>)[k], k)]),
    );
  }
  if (typeof value === 'string') return ['type', 'code', 'delta', 'text'].includes(key) ? value : 'string';
  return typeof value;
}

/** Event names, with the update type for thread.item.updated. */
function eventNames(events: readonly { type?: unknown; update?: unknown }[]): string[] {
  return events.map(event => (event.type === 'thread.item.updated' ? `${event.type}:${(event.update as { type: string }).type}` : String(event.type)));
}

/** Records reference id -> our id for every id-like field found at the same place in both. */
function mapIds(reference: unknown, ours: unknown, ids: Map<string, string>): void {
  if (Array.isArray(reference) && Array.isArray(ours)) {
    reference.forEach((item, index) => mapIds(item, ours[index], ids));
  } else if (typeof reference === 'object' && reference !== null && typeof ours === 'object' && ours !== null) {
    for (const [key, value] of Object.entries(reference)) {
      const mine = (ours as Record<string, unknown>)[key];
      if (['id', 'thread_id', 'item_id', 'after'].includes(key) && typeof value === 'string' && typeof mine === 'string') ids.set(value, mine);
      else mapIds(value, mine, ids);
    }
  }
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

describe('the reference transcript, replayed', LIMIT, () => {
  // Answers like the reference harness: a progress note, then "Hello", ", world", "!"; raises on demand.
  let failing = false;
  const replayResponder: TextResponder = {
    name: 'replay',
    async *respond() {
      if (failing) throw new Error('boom');
      yield { progress: 'Thinking...', icon: 'search' };
      yield 'Hello';
      yield ', world';
      yield '!';
    },
  };
  let server: TestServer;
  let token: string;
  before(async () => {
    server = await startTestServer({ config: { responder: store => fromText(replayResponder, store) } });
    ({ token } = await userWithToken(server));
  });
  after(() => server.stop());

  test('every section gives the same events / answer shapes in the same order, valid against the schemas', async () => {
    const sections = parseTranscript(readFileSync(new URL('reference-transcript.txt', schemaDir), 'utf8'));
    assert.deepEqual(
      sections.map(section => section.title),
      [
        'threads.create (streams)',
        'threads.add_user_message (streams)',
        'threads.list',
        'threads.get_by_id',
        'items.list (limit 2)',
        'threads.update',
        'threads.retry_after_item (streams)',
        'items.feedback',
        'threads.delete',
        'threads.create with respond() raising',
        'unknown type',
      ],
    );
    const ids = new Map<string, string>();
    for (const section of sections) {
      let body = JSON.stringify(section.request);
      for (const [reference, ours] of ids) body = body.replaceAll(reference, ours);
      failing = section.title.includes('raising');
      const response = await chatkit(server, token, body);

      if (section.title === 'unknown type') {
        assert.equal(response.status, 400);
        assert.deepEqual(await response.json(), { error: 'Unknown request type "threads.nope".', code: 'unknown_type' });
        continue;
      }
      if (section.events.length > 0) {
        const events = await readEvents(response);
        validateEvents(events);
        let expected = section.events;
        if (section.title.startsWith('threads.retry_after_item')) {
          // The reference harness retitled the thread on every reply, so its retry (after the rename)
          // ends with thread.updated. We title a thread once, on its first turn: no change, no event.
          assert.equal(expected.at(-1)?.type, 'thread.updated');
          expected = expected.slice(0, -1);
        }
        assert.deepEqual(eventNames(events), eventNames(expected), section.title);
        assert.deepEqual(shape(events), shape(expected), section.title);
        mapIds(expected, events, ids);
      } else {
        assert.equal(response.status, 200, section.title);
        assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
        const answer = await response.json();
        assert.deepEqual(shape(answer), shape(section.json), section.title);
        if (section.title === 'threads.list') assertValid(schemas.threadsPage, answer, section.title);
        if (section.title === 'items.list (limit 2)') assertValid(schemas.itemsPage, answer, section.title);
        if (section.title === 'threads.get_by_id' || section.title === 'threads.update') assertValid(schemas.thread, answer, section.title);
        assertTimes(answer);
        mapIds(section.json, answer, ids);
      }
    }
  });
});

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
    const renamed = await json<Thread>({ type: 'threads.update', params: { thread_id: threadId, title: '  Renamed  ' } });
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
    assert.deepEqual(await gone.json(), { error: 'Thread not found.', code: 'thread_not_found' });
    assert.equal((await call({ type: 'threads.delete', params: { thread_id: threadId } })).status, 404);
  });

  test('U+0000 and lone surrogates: kept in messages; a title leaves U+0000 out and has U+FFFD for a lone surrogate, on either store', async () => {
    const text = 'nul\u0000here and \ud800 alone';
    const { events, threadId } = await createThread(server, user.token, text);
    assert.equal(events.at(-1)?.type, 'thread.updated', 'the turn completed');
    const thread = await json<Thread>({ type: 'threads.get_by_id', params: { thread_id: threadId } });
    assert.equal(thread.title, 'nulhere and \ufffd alone');
    const sent = thread.items.data[0] as { content: { text: string }[] };
    assert.equal(sent.content[0]?.text, text);
    const renamed = await json<Thread>({ type: 'threads.update', params: { thread_id: threadId, title: 'half a pair \udc00' } });
    assert.equal(renamed.title, 'half a pair \ufffd');
    assert.equal((await json<Thread>({ type: 'threads.get_by_id', params: { thread_id: threadId } })).title, renamed.title);
  });

  test('protocol requests this server does not implement: a clear 400, or an in-band error for streaming ones', async () => {
    const { threadId } = await createThread(server, user.token, 'tools?');
    const action = await call({ type: 'threads.custom_action', params: { thread_id: threadId, action: { type: 'x' } } });
    const events = await readEvents(action);
    validateEvents(events);
    assert.deepEqual(events, [{ type: 'error', code: 'custom', message: 'threads.custom_action is not supported by this server.', allow_retry: false }]);
    const elsewhere = await call({ type: 'threads.custom_action', params: { thread_id: 'thr_missing', action: { type: 'x' } } });
    assert.equal(elsewhere.status, 404);
    for (const body of [
      { type: 'attachments.create', params: { name: 'a.txt', size: 1, mime_type: 'text/plain' } },
      { type: 'input.transcribe', params: { audio_base64: '', mime_type: 'audio/webm' } },
    ]) {
      const response = await call(body);
      assert.equal(response.status, 400);
      assert.deepEqual(await response.json(), { error: `${body.type} is not supported by this server.`, code: 'unsupported_request' });
    }
    const attachments = await call({ type: 'threads.create', params: { input: { ...userInput('see file'), attachments: ['atc_1'] } } });
    assert.equal(attachments.status, 400);
    assert.equal(((await attachments.json()) as { code: string }).code, 'attachments_unsupported');
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

  test('a failure after some text: the text is kept and sent as done, then the in-band stream.error', async () => {
    behaviour = 'partial';
    const { events, threadId } = await createThread(server, token, 'go');
    validateEvents(events);
    assert.deepEqual(eventNames(events).slice(-4), [
      'thread.item.updated:assistant_message.content_part.text_delta',
      'thread.item.updated:assistant_message.content_part.done',
      'thread.item.done',
      'error',
    ]);
    assert.deepEqual(events.at(-1), { type: 'error', code: 'stream.error', allow_retry: true });
    const thread = (await (await chatkit(server, token, { type: 'threads.get_by_id', params: { thread_id: threadId } })).json()) as Thread;
    assert.equal(thread.items.data.at(-1)?.type, 'assistant_message');
    assert.equal((thread.items.data.at(-1) as { content: { text: string }[] }).content[0]?.text, 'Half an answer');
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
