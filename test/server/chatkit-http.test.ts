// The ChatKit server over real HTTP: the Node adapter (node:http, Express with and without a body
// parser) and the Fetch handler behind Hono's Node server. The client leaving mid-reply stops the hook
// (its signal aborts, its generator is closed) and keeps what it was sent: the partial assistant message
// and the hidden note. The reply is pulled as the client reads (backpressure). close() ends open streams
// the same way and refuses new requests. The node adapter writes what a hook yields in one go as one
// write, and waits for 'drain' when a write reports a full socket.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { serve } from '@hono/node-server';
import express from 'express';
import { Hono } from 'hono';
import { defaultGenerateId, itemAdded, MemoryStore, streamAssistantMessage } from '../../src/server/index.js';
import type { ChatKitContext, ChatKitServer, ThreadItem, ThreadMetadata, ThreadStreamEvent } from '../../src/server/index.js';
import { input, issuer, testChatKit } from './chatkit-harness.js';

/** A MemoryStore that says when the hidden note of a stopped reply is stored. */
class WatchedStore extends MemoryStore {
  private waiters: (() => void)[] = [];
  noted = 0;
  override async addThreadItem(threadId: string, item: ThreadItem, context: ChatKitContext): Promise<void> {
    await super.addThreadItem(threadId, item, context);
    if (item.type === 'sdk_hidden_context') {
      this.noted++;
      for (const wake of this.waiters.splice(0)) wake();
    }
  }
  noteStored(): Promise<void> {
    return new Promise(resolve => this.waiters.push(resolve));
  }
}

interface Probe {
  yielded: number;
  aborted: boolean;
  closed: boolean;
}

/** 16 KiB: 5000 of them make 80 MB, more than sockets and streams buffer between the two sides. */
const BIG = 'x'.repeat(16 * 1024);

/** A reply of `deltas` deltas that then waits (a slow model) until the client goes. */
function slowReply(probe: Probe, deltas: number) {
  return async function* (thread: ThreadMetadata, _input: unknown, context: ChatKitContext): AsyncGenerator<ThreadStreamEvent> {
    try {
      const id = defaultGenerateId('message');
      const step = (event: ThreadStreamEvent) => {
        probe.yielded++;
        return event;
      };
      yield step(itemAdded({ id, thread_id: thread.id, created_at: new Date().toISOString(), type: 'assistant_message', content: [] }));
      yield step({ type: 'thread.item.updated', item_id: id, update: { type: 'assistant_message.content_part.added', content_index: 0, content: { annotations: [], text: '', type: 'output_text' } } });
      for (let index = 0; index < deltas; index++) {
        yield step({ type: 'thread.item.updated', item_id: id, update: { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: deltas > 100 ? BIG : `w${index} ` } });
      }
      await new Promise<void>(resolve => context.signal.addEventListener('abort', () => resolve(), { once: true }));
      probe.aborted = context.signal.aborted;
    } finally {
      probe.closed = true;
    }
  };
}

type Serve = (chatkit: ChatKitServer) => Promise<{ url: string; close(): Promise<void> }>;

const listen = (handler: Parameters<typeof createServer>[1]) =>
  new Promise<{ url: string; close(): Promise<void> }>(resolve => {
    const server = createServer(handler);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}/chatkit`, close: () => new Promise(done => server.close(() => done())) });
    });
  });

const adapters: Record<string, Serve> = {
  'node:http (chatkit.node)': chatkit => listen((req, res) => void chatkit.node(req, res)),
  'Express (chatkit.node)': chatkit => {
    const app = express();
    app.post('/chatkit', chatkit.node);
    return listen(app);
  },
  'Express with express.json() in front': chatkit => {
    const app = express();
    app.use(express.json());
    app.post('/chatkit', chatkit.node);
    return listen(app);
  },
  'Hono on @hono/node-server (chatkit.fetch)': chatkit => {
    const app = new Hono();
    app.post('/chatkit', c => chatkit.fetch(c.req.raw));
    return new Promise(resolve => {
      const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, info => {
        resolve({ url: `http://127.0.0.1:${info.port}/chatkit`, close: () => new Promise(done => server.close(() => done())) });
      });
    });
  },
};

async function readEvents(reader: ReadableStreamDefaultReader<Uint8Array>, count: number, carry = { text: '' }): Promise<ThreadStreamEvent[]> {
  const decoder = new TextDecoder();
  while (carry.text.split('\n\n').length - 1 < count) {
    const { done, value } = await reader.read();
    assert.ok(!done, 'the stream went on');
    carry.text += decoder.decode(value, { stream: true });
  }
  const chunks = carry.text.split('\n\n');
  const events = chunks.slice(0, count).map(chunk => JSON.parse(chunk.replace(/^data: /, '')) as ThreadStreamEvent);
  carry.text = chunks.slice(count).join('\n\n');
  return events;
}

describe('the ChatKit server over HTTP', async () => {
  const keys = await issuer();
  const alice = await keys.token('alice');
  const post = (url: string, body: unknown, signal?: AbortSignal) =>
    fetch(url, { method: 'POST', headers: { Authorization: `Bearer ${alice}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body), ...(signal && { signal }) });
  const context: ChatKitContext = { user: { sub: 'alice', claims: {} }, request: new Request('http://x/'), signal: new AbortController().signal };

  for (const [name, start] of Object.entries(adapters)) {
    describe(name, () => {
      const probe: Probe = { yielded: 0, aborted: false, closed: false };
      const store = new WatchedStore();
      let server: { url: string; close(): Promise<void> };
      let chatkit: ChatKitServer;
      after(async () => {
        await chatkit.close();
        await server.close();
      });

      test('a whole reply, and JSON answers; no token: 401 before anything is read or stored', async () => {
        const kit = await testChatKit({ store, respond: (thread, item, ctx) => slowReply(probe, item?.content[0]?.type === 'input_text' && item.content[0].text === 'many' ? 5000 : 2)(thread, item, ctx) }, keys);
        chatkit = kit.chatkit;
        server = await start(chatkit);
        const list = await post(server.url, { type: 'threads.list', params: {} });
        assert.equal(list.status, 200);
        assert.deepEqual(await list.json(), { data: [], has_more: false });
        const refused = await fetch(server.url, { method: 'POST', body: JSON.stringify({ type: 'threads.create', params: { input: input('x') } }) });
        assert.equal(refused.status, 401);
        assert.equal(refused.headers.get('www-authenticate'), 'Bearer realm="auth-chatkit"');
        assert.deepEqual(await refused.json(), { error: 'Send the token as "Authorization: Bearer <JWT>".', code: 'missing_token' });
        assert.deepEqual((await store.loadThreads(10, undefined, 'desc', context)).data, []);
      });

      test('the client leaves mid-reply: the hook stops, the partial message and the hidden note are stored', async () => {
        Object.assign(probe, { yielded: 0, aborted: false, closed: false });
        const leaving = new AbortController();
        const response = await post(server.url, { type: 'threads.create', params: { input: input('long') } }, leaving.signal);
        assert.equal(response.status, 200);
        assert.match(response.headers.get('content-type')!, /^text\/event-stream/);
        assert.equal(response.headers.get('cache-control'), 'no-store');
        const reader = response.body!.getReader();
        const events = await readEvents(reader, 7); // created, user, stream_options, added, part added, 2 deltas
        assert.deepEqual(
          events.map(event => event.type),
          ['thread.created', 'thread.item.done', 'stream_options', 'thread.item.added', 'thread.item.updated', 'thread.item.updated', 'thread.item.updated'],
        );
        const threadId = (events[0] as { thread: { id: string } }).thread.id;
        const noted = store.noteStored();
        leaving.abort();
        await noted;
        assert.deepEqual([probe.aborted, probe.closed], [true, true], 'the hook saw the signal and its generator was closed');
        const stored = (await store.loadThreadItems(threadId, undefined, 10, 'asc', context)).data;
        assert.deepEqual(
          stored.map(item => item.type),
          ['user_message', 'assistant_message', 'sdk_hidden_context'],
        );
        assert.deepEqual((stored[1] as { content: unknown }).content, [{ annotations: [], text: 'w0 w1 ', type: 'output_text' }]);
        assert.equal((stored[2] as { content: string }).content, 'The user cancelled the stream. Stop responding to the prior request.');
        // what the client sees of the thread: no hidden note
        const listed = await (await post(server.url, { type: 'items.list', params: { thread_id: threadId, order: 'asc' } })).json();
        assert.deepEqual(
          (listed as { data: ThreadItem[] }).data.map(item => item.type),
          ['user_message', 'assistant_message'],
        );
      });

      test('pulled as read: the hook is not run ahead of the client', async () => {
        Object.assign(probe, { yielded: 0, aborted: false, closed: false });
        const leaving = new AbortController();
        const response = await post(server.url, { type: 'threads.create', params: { input: input('many') } }, leaving.signal);
        const reader = response.body!.getReader();
        await readEvents(reader, 4);
        // sockets and streams buffer some megabytes, so some events are ahead; never the whole 80 MB reply
        await new Promise(resolve => setTimeout(resolve, 200));
        assert.ok(probe.yielded < 2500, `the hook yielded ${probe.yielded} events for 4 read`);
        const noted = store.noteStored();
        leaving.abort();
        await noted;
      });

      test('close(): open streams end as if the client left (saved, noted); new requests get a 503', async () => {
        // a fresh server of its own, so that closing it leaves the others
        const own = await testChatKit({ store, respond: slowReply(probe, 1) }, keys);
        const ownServer = await start(own.chatkit);
        try {
          const response = await post(ownServer.url, { type: 'threads.create', params: { input: input('closing') } });
          const reader = response.body!.getReader();
          const events = await readEvents(reader, 6);
          const threadId = (events[0] as { thread: { id: string } }).thread.id;
          await own.chatkit.close();
          const stored = (await store.loadThreadItems(threadId, undefined, 10, 'asc', context)).data;
          assert.deepEqual(
            stored.map(item => item.type),
            ['user_message', 'assistant_message', 'sdk_hidden_context'],
          );
          // the client sees its stream end
          for (;;) if ((await reader.read()).done) break;
          const refused = await post(ownServer.url, { type: 'threads.list', params: {} });
          assert.equal(refused.status, 503);
          assert.equal(((await refused.json()) as { code: string }).code, 'shutting_down');
        } finally {
          await ownServer.close();
        }
      });
    });
  }

  describe('the node adapter writes', () => {
    /** A NodeResponseLike that records each write; `full` makes write() report a full socket once. */
    const recorder = (full: boolean) => {
      const listeners = new Map<string, () => void>();
      const writes: string[] = [];
      let reportFull = full;
      const response = {
        statusCode: 0,
        writableEnded: false,
        setHeader() {},
        write(chunk: string) {
          writes.push(chunk);
          const ok = !reportFull;
          reportFull = false;
          return ok;
        },
        end(chunk?: string) {
          if (chunk) writes.push(chunk);
          this.writableEnded = true;
        },
        once(event: string, listener: () => void) {
          listeners.set(event, listener);
        },
        off(event: string) {
          listeners.delete(event);
        },
      };
      return { response, writes, drain: () => listeners.get('drain')?.() };
    };
    const request = (text: string) => ({
      method: 'POST',
      url: '/chatkit',
      headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
      async *[Symbol.asyncIterator]() {
        yield JSON.stringify({ type: 'threads.create', params: { input: input(text) } });
      },
    });
    const deltas = Array.from({ length: 20 }, (_, i) => `d${i} `);
    const respond = async function* (thread: ThreadMetadata) {
      yield* streamAssistantMessage(thread, deltas);
    };

    test('a reply produced in one go leaves in one write, every event in order', async () => {
      const { chatkit } = await testChatKit({ store: new MemoryStore(), respond }, keys);
      const { response, writes } = recorder(false);
      await chatkit.node(request('one go'), response);
      assert.equal(writes.length, 1, 'the 27 events in one write (end carries them)');
      const events = writes[0]!.split('\n\n').filter(Boolean).map(chunk => JSON.parse(chunk.replace(/^data: /, '')) as ThreadStreamEvent);
      assert.equal(events.length, 27);
      assert.deepEqual(events.slice(0, 4).map(event => event.type), ['thread.created', 'thread.item.done', 'stream_options', 'thread.item.added']);
      assert.equal(events.at(-1)!.type, 'thread.item.done');
    });

    test('a full socket stops the reply until it drains', async () => {
      let yielded = 0;
      const { chatkit } = await testChatKit(
        {
          store: new MemoryStore(),
          async *respond(thread: ThreadMetadata) {
            yield itemAdded({ id: 'msg_1', thread_id: thread.id, created_at: new Date().toISOString(), type: 'assistant_message', content: [] });
            // each delta is more than the adapter holds before it writes; the first write reports a full socket
            for (let index = 0; index < 10; index++) {
              yielded++;
              yield { type: 'thread.item.updated', item_id: 'msg_1', update: { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: BIG } } as ThreadStreamEvent;
            }
          },
        },
        keys,
      );
      const { response, writes, drain } = recorder(true);
      const served = chatkit.node(request('full'), response);
      await new Promise(resolve => setTimeout(resolve, 50));
      assert.equal(writes.length, 1, 'one write, then a wait');
      assert.ok(yielded < 3, `the hook yielded ${yielded} deltas before the socket drained`);
      drain();
      await served;
      assert.equal(yielded, 10);
      assert.ok(response.writableEnded);
    });
  });
});
