// Cancel: ChatKit stops a reply by aborting the HTTP request. The server must stop the responder and
// keep what was already said (a non-empty partial reply), also when a responder ignores the signal,
// and when the server itself shuts down mid-reply.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ThreadStreamEvent as StreamEvent, Thread } from '../../src/server/index.js';
import { fromText } from '../../demo/server/responders/text.js';
import type { TextResponder } from '../../demo/server/responders/types.js';
import { chatkit, eventually, LIMIT, parseEvents, replyText, startTestServer, userInput, userWithToken } from './helpers.js';
import type { TestServer } from './helpers.js';

const PARTS = 200;
const pause = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** Streams "part0 part1 ..." slowly; remembers whether it saw its signal abort. */
function slowResponder(state: { sawAbort: boolean; stuckAfter?: number }): TextResponder {
  return {
    name: 'slow',
    async *respond({ signal }) {
      yield { progress: 'Working...' };
      for (let i = 0; i < PARTS; i++) {
        if (state.stuckAfter !== undefined && i === state.stuckAfter) await new Promise(() => {}); // ignores the signal
        await pause(15);
        if (signal.aborted) {
          state.sawAbort = true;
          return;
        }
        yield `part${i} `;
      }
    },
  };
}

/** Starts a streamed request and reads events until `enough` says stop; then aborts the request. */
async function streamThenAbort(server: TestServer, token: string, body: unknown, enough: (events: StreamEvent[]) => boolean) {
  const controller = new AbortController();
  const response = await chatkit(server, token, body, { signal: controller.signal });
  assert.equal(response.status, 200);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let events: StreamEvent[] = [];
  while (!enough(events)) {
    const { value, done } = await reader.read();
    assert.ok(!done, 'the stream ended before the test could cancel it');
    buffer += decoder.decode(value, { stream: true });
    const complete = buffer.lastIndexOf('\n\n');
    if (complete >= 0) {
      events = events.concat(parseEvents(buffer.slice(0, complete + 2)));
      buffer = buffer.slice(complete + 2);
    }
  }
  controller.abort();
  await reader.cancel().catch(() => {});
  return events;
}

const deltas = (count: number) => (events: StreamEvent[]) =>
  events.filter(event => event.type === 'thread.item.updated' && event.update.type === 'assistant_message.content_part.text_delta').length >= count;

async function getThread(server: TestServer, token: string, threadId: string): Promise<Thread> {
  const response = await chatkit(server, token, { type: 'threads.get_by_id', params: { thread_id: threadId } });
  assert.equal(response.status, 200);
  return (await response.json()) as Thread;
}

function assistantTexts(thread: Thread): string[] {
  return thread.items.data.flatMap(item => (item.type === 'assistant_message' ? [item.content.map(part => part.text).join('')] : []));
}

describe('a client that goes away mid-reply', LIMIT, () => {
  const state: { sawAbort: boolean; stuckAfter?: number } = { sawAbort: false };
  let server: TestServer;
  let token: string;
  before(async () => {
    server = await startTestServer({ config: { responder: store => fromText(slowResponder(state), store) } });
    ({ token } = await userWithToken(server));
  });
  after(() => server.stop());

  test('stops the responder and keeps the partial reply (and the title)', async () => {
    state.sawAbort = false;
    state.stuckAfter = undefined;
    const events = await streamThenAbort(server, token, { type: 'threads.create', params: { input: userInput('count slowly please') } }, deltas(3));
    const created = events[0];
    assert.ok(created?.type === 'thread.created', 'the stream starts with thread.created');
    const received = replyText(events);

    await eventually(() => server.stats.chatStreamsCancelled === 1);
    await eventually(() => state.sawAbort); // the responder sees its signal abort
    const thread = await getThread(server, token, created.thread.id);
    const [partial] = assistantTexts(thread);
    assert.ok(partial, 'a partial reply was saved');
    assert.ok(partial.startsWith(received), `saved "${partial}" does not start with what was streamed, "${received}"`);
    assert.ok(partial.split(' ').length < PARTS / 2, 'the responder was stopped early');
    assert.equal(thread.title, 'count slowly please');
  });

  test('a responder that ignores the signal cannot keep the stream open', async () => {
    state.sawAbort = false;
    state.stuckAfter = 2;
    const cancelledBefore = server.stats.chatStreamsCancelled;
    const events = await streamThenAbort(server, token, { type: 'threads.create', params: { input: userInput('get stuck') } }, deltas(2));
    const created = events[0];
    assert.ok(created?.type === 'thread.created', 'the stream starts with thread.created');
    await eventually(() => server.stats.chatStreamsCancelled === cancelledBefore + 1);
    assert.deepEqual(assistantTexts(await getThread(server, token, created.thread.id)), ['part0 part1 ']);
  });

  test('cancelled before any text: only the user message stays', async () => {
    state.stuckAfter = undefined;
    const cancelledBefore = server.stats.chatStreamsCancelled;
    const events = await streamThenAbort(server, token, { type: 'threads.create', params: { input: userInput('never mind') } }, seen =>
      seen.some(event => event.type === 'progress_update'),
    );
    const created = events[0];
    assert.ok(created?.type === 'thread.created', 'the stream starts with thread.created');
    await eventually(() => server.stats.chatStreamsCancelled === cancelledBefore + 1);
    const thread = await getThread(server, token, created.thread.id);
    assert.deepEqual(
      thread.items.data.map(item => item.type),
      ['user_message'],
    );
  });
});

describe('the server shutting down mid-reply', LIMIT, () => {
  test('keeps the partial reply, which is there after a restart on the same database', async () => {
    const state = { sawAbort: false };
    // a fixed public URL (issuer and audience), so that tokens outlive the restart on another port
    const env = { PUBLIC_URL: 'http://chat.test' };
    const first = await startTestServer({ env, config: { responder: store => fromText(slowResponder(state), store) } });
    const { token } = await userWithToken(first);
    let threadId = '';
    try {
      const response = await chatkit(first, token, { type: 'threads.create', params: { input: userInput('long story') } });
      const reader = response.body!.getReader();
      let text = '';
      while (!text.includes('part1 ')) {
        const { value, done } = await reader.read();
        assert.ok(!done, 'the stream ended before part1');
        text += new TextDecoder().decode(value);
      }
      threadId = /"thread":\{"id":"(thr_[0-9a-f]+)"/.exec(text)?.[1] ?? '';
      await first.close(); // while the reply is still streaming
      await eventually(() => state.sawAbort);
    } finally {
      await first.close();
    }
    const second = await startTestServer({ dir: first.dir, env, config: { responder: store => fromText(slowResponder(state), store) } });
    try {
      const [partial] = assistantTexts(await getThread(second, token, threadId));
      assert.match(partial ?? '', /^part0 part1 /);
    } finally {
      await second.stop();
      await first.stop();
    }
  });
});

describe('adding a message to a thread, then cancelling', LIMIT, () => {
  test('keeps the earlier turns and the partial new reply', async () => {
    const state = { sawAbort: false };
    const server = await startTestServer({ config: { responder: store => fromText(slowResponder(state), store) } });
    try {
      const { token } = await userWithToken(server);
      const first = await streamThenAbort(server, token, { type: 'threads.create', params: { input: userInput('one') } }, deltas(1));
      const threadId = (first[0] as Extract<StreamEvent, { type: 'thread.created' }>).thread.id;
      await eventually(() => server.stats.chatStreamsCancelled === 1);
      await streamThenAbort(server, token, { type: 'threads.add_user_message', params: { thread_id: threadId, input: userInput('two') } }, deltas(2));
      await eventually(() => server.stats.chatStreamsCancelled === 2);
      const thread = await getThread(server, token, threadId);
      assert.deepEqual(
        thread.items.data.map(item => item.type),
        ['user_message', 'assistant_message', 'user_message', 'assistant_message'],
      );
      assert.ok(assistantTexts(thread).every(text => text.startsWith('part0 ')), `partial replies: ${JSON.stringify(assistantTexts(thread))}`);
    } finally {
      await server.stop();
    }
  });
});
