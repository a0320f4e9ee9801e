// Bad input and failing hooks: every refusal is JSON `{ error, code }` with a 4xx status (never a 500,
// never a stack trace, nothing stored half-way); the token is checked before anything else; a failure
// while streaming is the in-band `error` event; hooks get the verified user; extra routes; options.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ChatKitHttpError, clientToolCall, createChatKitServer, itemDone, MemoryStore, streamAssistantMessage, structuredInput } from '../../src/server/index.js';
import type { ChatKitContext, Store, ThreadItem, ThreadStreamEvent } from '../../src/server/index.js';
import { ENDPOINT, input, issuer, parseEvents, testChatKit } from './chatkit-harness.js';
import type { TestChatKit } from './chatkit-harness.js';

const alice: ChatKitContext = { user: { sub: 'alice', claims: {} }, request: new Request('https://api.test/'), signal: new AbortController().signal };

/** Everything alice has, to show that a refused request stored nothing. */
async function everything(store: Store): Promise<string> {
  const threads = (await store.loadThreads(1000, undefined, 'asc', alice)).data;
  const items: ThreadItem[][] = [];
  for (const thread of threads) items.push((await store.loadThreadItems(thread.id, undefined, 1000, 'asc', alice)).data);
  return JSON.stringify({ threads, items });
}

async function assertRefused(kit: TestChatKit, body: unknown, status: number, code: string): Promise<void> {
  const before = await everything(kit.store);
  const response = await kit.post(body);
  const text = await response.text();
  assert.equal(response.status, status, `${JSON.stringify(body).slice(0, 120)}: ${text}`);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  const answer = JSON.parse(text) as { error: string; code: string };
  assert.equal(answer.code, code);
  assert.equal(typeof answer.error, 'string');
  assert.doesNotMatch(text, /\.ts:\d+|\n\s+at /, 'no stack trace');
  assert.equal(await everything(kit.store), before, 'nothing stored');
}

describe('bad requests: 4xx JSON, nothing stored', async () => {
  const kit = await testChatKit({
    async *respond(thread, item) {
      const text = item?.content[0]?.type === 'input_text' ? item.content[0].text : '';
      if (text === 'tool') yield clientToolCall(thread, { name: 'page', arguments: {} });
      else if (text === 'form') yield structuredInput(thread, [{ id: 'q', question: 'Q?', type: 'freeform' }]);
      else yield* streamAssistantMessage(thread, ['ok']);
    },
    maxBodyBytes: 4096,
  });
  const created = await kit.events({ type: 'threads.create', params: { input: input('form') } });
  const thread = (created[0] as { thread: { id: string } }).thread.id;
  const user = (created[1] as { item: { id: string } }).item.id;
  const form = (created.at(-1) as { item: { id: string } }).item.id;
  const tool = await kit.events({ type: 'threads.create', params: { input: input('tool') } });
  const toolThread = (tool[0] as { thread: { id: string } }).thread.id;

  const cases: [string, unknown, number, string][] = [
    ['malformed JSON', '{"type":"threads.list","params":{', 400, 'invalid_json'],
    ['not UTF-8', new Uint8Array([0x7b, 0xff, 0x7d]), 400, 'invalid_json'],
    ['an array', '[]', 400, 'invalid_request'],
    ['null', 'null', 400, 'invalid_request'],
    ['an unknown type', { type: 'threads.nope', params: {} }, 400, 'unknown_request_type'],
    ['no type', { params: {} }, 400, 'unknown_request_type'],
    ['a prototype key as type', { type: 'constructor', params: {} }, 400, 'unknown_request_type'],
    ['params missing', { type: 'threads.get_by_id' }, 400, 'invalid_request'],
    ['params not an object', { type: 'threads.list', params: [] }, 400, 'invalid_request'],
    ['limit not an integer', { type: 'threads.list', params: { limit: 'ten' } }, 400, 'invalid_request'],
    ['limit negative', { type: 'threads.list', params: { limit: -1 } }, 400, 'invalid_request'],
    ['limit too large', { type: 'items.list', params: { thread_id: thread, limit: 100000 } }, 400, 'invalid_request'],
    ['order unknown', { type: 'threads.list', params: { order: 'sideways' } }, 400, 'invalid_request'],
    ['cursor unknown', { type: 'threads.list', params: { after: 'thr_nothing' } }, 400, 'invalid_cursor'],
    ['feedback kind unknown', { type: 'items.feedback', params: { thread_id: thread, item_ids: [user], kind: 'meh' } }, 400, 'invalid_request'],
    ['content not a list', { type: 'threads.create', params: { input: { content: 'hi', attachments: [], inference_options: {} } } }, 400, 'invalid_request'],
    ['a text part without text', { type: 'threads.create', params: { input: { content: [{ type: 'input_text' }], attachments: [], inference_options: {} } } }, 400, 'invalid_request'],
    ['a part of an unknown type', { type: 'threads.create', params: { input: { content: [{ type: 'input_image', url: 'x' }], attachments: [], inference_options: {} } } }, 400, 'invalid_request'],
    ['attachments missing', { type: 'threads.create', params: { input: { content: [], inference_options: {} } } }, 400, 'invalid_request'],
    ['a title not a string', { type: 'threads.update', params: { thread_id: thread, title: 7 } }, 400, 'invalid_request'],
    ['a tool output without result', { type: 'threads.add_client_tool_output', params: { thread_id: toolThread } }, 400, 'invalid_request'],
    ['a body over maxBodyBytes', { type: 'threads.list', params: {}, metadata: { pad: 'x'.repeat(5000) } }, 413, 'body_too_large'],
    ['an unknown thread', { type: 'threads.add_user_message', params: { thread_id: 'thr_nothing', input: input('x') } }, 404, 'not_found'],
    ['an unknown attachment (no empty thread left behind)', { type: 'threads.create', params: { input: input('x', { attachments: ['atc_nothing'] }) } }, 404, 'not_found'],
    ['a tool output with no pending call', { type: 'threads.add_client_tool_output', params: { thread_id: thread, result: 1 } }, 409, 'no_pending_tool_call'],
    ['an action on a non-widget item', { type: 'threads.custom_action', params: { thread_id: thread, item_id: user, action: { type: 'x' } } }, 400, 'not_widget'],
    ['a sync action on a non-widget item', { type: 'threads.sync_custom_action', params: { thread_id: thread, item_id: user, action: { type: 'x' } } }, 400, 'not_widget'],
    ['a form answer for a user message', { type: 'threads.add_structured_input', params: { thread_id: thread, item_id: user, input: { answers: {} } } }, 400, 'not_structured_input'],
    ['a form answer for an item of another thread', { type: 'threads.add_structured_input', params: { thread_id: toolThread, item_id: form, input: { answers: {} } } }, 404, 'not_found'],
    ['retry after an assistant message', { type: 'threads.retry_after_item', params: { thread_id: thread, item_id: form } }, 400, 'not_user_message'],
    ['attachments without an AttachmentStore', { type: 'attachments.create', params: { name: 'a', size: 1, mime_type: 'text/plain' } }, 400, 'not_supported'],
    ['a widget action without an action hook', { type: 'threads.custom_action', params: { thread_id: thread, action: { type: 'x' } } }, 400, 'not_supported'],
    ['dictation without a transcribe hook', { type: 'input.transcribe', params: { audio_base64: 'AAAA', mime_type: 'audio/webm' } }, 400, 'not_supported'],
  ];
  for (const [name, body, status, code] of cases) {
    test(`${name}: ${status} ${code}`, () => assertRefused(kit, body instanceof Uint8Array ? new TextDecoder('latin1').decode(body) : body, status, code));
  }

  test('not UTF-8, sent as bytes: 400 invalid_json', async () => {
    const token = await kit.issuer.token('alice');
    const response = await kit.chatkit.fetch(new Request(ENDPOINT, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: new Uint8Array([0x7b, 0xff, 0x7d]) }));
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { code: string }).code, 'invalid_json');
  });

  test('a form answered twice: 409 not_pending, the first answer kept', async () => {
    const answered = await kit.events({ type: 'threads.add_structured_input', params: { thread_id: thread, item_id: form, input: { answers: { q: { values: ['first'] } } } } });
    assert.equal(answered[1]!.type, 'thread.item.replaced');
    await assertRefused(kit, { type: 'threads.add_structured_input', params: { thread_id: thread, item_id: form, input: { answers: { q: { values: ['second'] } } } } }, 409, 'not_pending');
    const stored = (await kit.store.loadItem(thread, form, alice)) as { inputs: { answer: unknown }[] };
    assert.deepEqual(stored.inputs[0]!.answer, { values: ['first'], skipped: false });
  });

  test('GET: 405 with Allow: POST', async () => {
    const token = await kit.issuer.token('alice');
    const response = await kit.chatkit.fetch(new Request(ENDPOINT, { headers: { Authorization: `Bearer ${token}` } }));
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'POST');
  });
});

describe('the token first', () => {
  test('no token, a bad one, an expired one: 401 JSON before the body is read or the store touched', async () => {
    const calls: string[] = [];
    const store = new Proxy(new MemoryStore(), {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.push(String(key));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const kit = await testChatKit({ store });
    let bodyRead = false;
    const body = () =>
      new ReadableStream(
        {
          pull(controller) {
            bodyRead = true;
            controller.enqueue(new TextEncoder().encode('{"type":"threads.list","params":{}}'));
            controller.close();
          },
        },
        { highWaterMark: 0 },
      );
    for (const authorization of [undefined, 'Bearer not-a-jwt', 'Basic YWxpY2U6cw==', `Bearer ${await kit.issuer.token('alice', { exp: Math.floor(Date.now() / 1000) - 600 })}`]) {
      const response = await kit.chatkit.fetch(
        new Request(ENDPOINT, { method: 'POST', headers: authorization ? { Authorization: authorization } : {}, body: body(), duplex: 'half' } as RequestInit),
      );
      assert.equal(response.status, 401);
      assert.match((await response.json() as { code: string }).code, /^(missing_token|invalid_token|token_expired)$/);
    }
    assert.equal(bodyRead, false, 'the body was not read');
    assert.deepEqual(calls, [], 'the store was not called');
  });
});

describe('hooks', () => {
  test('a hook failing outside a stream: 500 JSON without its message, logged; a ChatKitHttpError keeps its status', async () => {
    const kit = await testChatKit({
      async *respond(thread) {
        yield* streamAssistantMessage(thread, ['x']);
      },
      async syncAction(_thread, action) {
        if (action.type === 'refuse') throw new ChatKitHttpError(422, 'not_now', 'Not now.');
        throw new Error('secret detail from the database');
      },
    });
    const created = await kit.events({ type: 'threads.create', params: { input: input('x') } });
    const thread = (created[0] as { thread: { id: string } }).thread.id;
    const failed = await kit.post({ type: 'threads.sync_custom_action', params: { thread_id: thread, action: { type: 'boom' } } });
    const text = await failed.text();
    assert.equal(failed.status, 500);
    assert.deepEqual(JSON.parse(text), { error: 'The request failed on the server.', code: 'internal_error' });
    assert.equal(kit.logged.length, 1);
    assert.match(String((kit.logged[0]!.error as Error).message), /secret detail/);
    assert.deepEqual(await kit.json({ type: 'threads.sync_custom_action', params: { thread_id: thread, action: { type: 'refuse' } } }, 'alice', 422), { error: 'Not now.', code: 'not_now' });
  });

  test('a store failing mid-reply: the in-band error event, logged; what was stored before stays', async () => {
    const store = new MemoryStore();
    const kit = await testChatKit({
      store,
      async *respond(thread) {
        yield* streamAssistantMessage(thread, ['lost']);
      },
    });
    const addThreadItem = store.addThreadItem.bind(store);
    store.addThreadItem = async (threadId, item, context) => {
      if (item.type === 'assistant_message') throw new Error('disk full');
      return addThreadItem(threadId, item, context);
    };
    const events = await kit.events({ type: 'threads.create', params: { input: input('x') } });
    assert.deepEqual(events.at(-1), { type: 'error', code: 'stream.error', allow_retry: true });
    assert.equal(kit.logged.length, 1);
    const thread = (events[0] as { thread: { id: string } }).thread.id;
    assert.deepEqual(
      (await store.loadThreadItems(thread, undefined, 10, 'asc', alice)).data.map(item => item.type),
      ['user_message'],
    );
  });

  test('a hook that ignores the signal: the client leaving still stops the reply at once and keeps what was sent', { timeout: 10_000 }, async () => {
    const store = new MemoryStore();
    const kit = await testChatKit({
      store,
      async *respond(thread) {
        yield { type: 'thread.item.added', item: { id: 'msg_a', thread_id: thread.id, created_at: new Date().toISOString(), type: 'assistant_message', content: [] } };
        yield { type: 'thread.item.updated', item_id: 'msg_a', update: { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: 'half' } };
        await new Promise(() => {}); // a model that never answers, and a hook that never looks at context.signal
      },
    });
    const response = await kit.post({ type: 'threads.create', params: { input: input('x') } });
    const reader = response.body!.getReader();
    let text = '';
    while (text.split('\n\n').length - 1 < 5) text += new TextDecoder().decode((await reader.read()).value);
    const thread = (parseEvents(text)[0] as { thread: { id: string } }).thread.id;
    const waiting = reader.read(); // the server now waits on the hook for the next event
    await new Promise(resolve => setTimeout(resolve, 20));
    await reader.cancel(); // resolves once the server has saved what it keeps
    assert.equal((await waiting).done, true);
    const stored = (await store.loadThreadItems(thread, undefined, 10, 'asc', alice)).data;
    assert.deepEqual(
      stored.map(item => item.type),
      ['user_message', 'assistant_message', 'sdk_hidden_context'],
    );
    assert.deepEqual((stored[1] as { content: unknown }).content, [{ annotations: [], text: 'half', type: 'output_text' }]);
  });

  test('process(): a request for a context verified elsewhere; cancelling its stream stops the reply as a client leaving does', async () => {
    const store = new MemoryStore();
    const kit = await testChatKit({
      store,
      async *respond(thread, _input, context) {
        yield { type: 'thread.item.added', item: { id: 'msg_p', thread_id: thread.id, created_at: new Date().toISOString(), type: 'assistant_message', content: [] } };
        yield { type: 'thread.item.updated', item_id: 'msg_p', update: { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: 'part' } };
        await new Promise(resolve => context.signal.addEventListener('abort', resolve, { once: true }));
      },
    });
    const result = await kit.chatkit.process(JSON.stringify({ type: 'threads.create', params: { input: input('x') } }), alice);
    assert.ok(result.streaming);
    const reader = result.stream.getReader();
    let text = '';
    while (text.split('\n\n').length - 1 < 5) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const thread = (parseEvents(text)[0] as { thread: { id: string } }).thread.id;
    assert.deepEqual(
      (await store.loadThreadItems(thread, undefined, 10, 'asc', alice)).data.map(item => item.type),
      ['user_message', 'assistant_message', 'sdk_hidden_context'],
    );
    const list = await kit.chatkit.process('{"type":"threads.list","params":{}}', alice);
    assert.ok(!list.streaming);
    assert.equal((JSON.parse(list.json) as { data: unknown[] }).data.length, 1);
    await assert.rejects(kit.chatkit.process('{"type":"threads.get_by_id","params":{"thread_id":"thr_none"}}', alice), { name: 'NotFoundError' });
  });

  test('every hook gets the verified user and createContext extends the context; getStreamOptions is sent', async () => {
    const seen: string[] = [];
    interface Ctx extends ChatKitContext {
      plan: string;
    }
    const keys = await issuer();
    const chatkit = createChatKitServer<Ctx>({
      verifier: keys.verifier,
      store: new MemoryStore<Ctx>(),
      createContext: base => ({ ...base, plan: base.user.claims.plan as string }),
      getStreamOptions: (_thread, context) => ({ allow_cancel: context.plan === 'pro' }),
      async *respond(thread, item, context) {
        seen.push(`respond ${context.user.sub} ${context.plan} ${context.user.name}`);
        thread.metadata = { changed: true };
        yield itemDone({ id: 'msg_x', thread_id: thread.id, created_at: new Date().toISOString(), type: 'end_of_turn' });
        void item;
      },
      log: () => {},
    });
    const token = await keys.token('carol', { plan: 'free', name: 'Carol' });
    const response = await chatkit.fetch(
      new Request(ENDPOINT, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: JSON.stringify({ type: 'threads.create', params: { input: input('x') } }) }),
    );
    const events = parseEvents(await response.text());
    assert.deepEqual(seen, ['respond carol free Carol']);
    assert.deepEqual(events.find(event => event.type === 'stream_options'), { type: 'stream_options', stream_options: { allow_cancel: false } });
    // a metadata-only change is a thread.updated, with metadata kept server-side ({} on the wire, as the reference)
    const updated = events.at(-1) as ThreadStreamEvent & { thread: { metadata: unknown } };
    assert.equal(updated.type, 'thread.updated');
    assert.deepEqual(updated.thread.metadata, {});
  });
});

describe('input.transcribe', () => {
  test('the audio decoded, with its media type; bad base64: 400 before the hook', async () => {
    const heard: string[] = [];
    const kit = await testChatKit({
      async transcribe(audio) {
        heard.push(`${audio.mimeType}|${audio.mediaType}|${[...audio.data].join(',')}`);
        return { text: 'hello' };
      },
    });
    assert.deepEqual(await kit.json({ type: 'input.transcribe', params: { audio_base64: 'AQID', mime_type: 'audio/webm;codecs=opus' } }), { text: 'hello' });
    assert.deepEqual(heard, ['audio/webm;codecs=opus|audio/webm|1,2,3']);
    await assertRefused(kit, { type: 'input.transcribe', params: { audio_base64: 'not base64!', mime_type: 'audio/webm' } }, 400, 'invalid_request');
    assert.equal(heard.length, 1);
  });
});

describe('extra routes', () => {
  test('matched before the protocol, params captured; verified unless public; HEAD answers a GET route', async () => {
    const kit = await testChatKit({
      routes: [
        { method: 'POST', path: '/chatkit/attachments/:id/upload', handle: async (_request, { params, context }) => Response.json({ id: params.id, user: context?.user.sub }) },
        { method: 'GET', path: '/chatkit/attachments/:id/preview', public: true, handle: async (_request, { params, context }) => Response.json({ id: params.id, context: context ?? null }) },
        {
          method: 'DELETE',
          path: '/chatkit/fail',
          handle: async () => {
            throw new ChatKitHttpError(418, 'teapot', 'I am a teapot.');
          },
        },
      ],
    });
    const token = await kit.issuer.token('alice');
    const call = (method: string, path: string, auth = true) =>
      kit.chatkit.fetch(new Request(`https://api.test${path}`, { method, headers: auth ? { Authorization: `Bearer ${token}` } : {} }));
    assert.deepEqual(await (await call('POST', '/chatkit/attachments/atc_1%2F2/upload')).json(), { id: 'atc_1/2', user: 'alice' });
    assert.equal((await call('POST', '/chatkit/attachments/atc_1/upload', false)).status, 401);
    assert.deepEqual(await (await call('GET', '/chatkit/attachments/atc_9/preview', false)).json(), { id: 'atc_9', context: null });
    assert.equal((await call('HEAD', '/chatkit/attachments/atc_9/preview', false)).status, 200);
    assert.deepEqual(await (await call('DELETE', '/chatkit/fail')).json(), { error: 'I am a teapot.', code: 'teapot' });
    assert.equal((await call('GET', '/chatkit/other')).status, 405);
  });
});

describe('options', () => {
  test('unusable options throw a TypeError at once', async () => {
    const { verifier } = await issuer();
    const respond = async function* () {};
    const store = new MemoryStore();
    for (const [options, message] of [
      [{ store, respond }, /one of authUrl and verifier/],
      [{ verifier, authUrl: 'https://a.test', store, respond }, /one of authUrl and verifier/],
      [{ verifier, respond }, /set store/],
      [{ verifier, store }, /set respond/],
      [{ verifier, store, respond, maxBodyBytes: 0 }, /maxBodyBytes/],
      [{ verifier, store, respond, routes: [{ method: 'GET', path: 'no-slash', handle: () => new Response() }] }, /must start with/],
    ] as const) {
      assert.throws(() => createChatKitServer(options as never), message);
    }
  });
});
