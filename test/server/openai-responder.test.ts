// The OpenAI responder, against a local stand-in for the Responses API (OpenAI is out of reach here;
// this stub speaking its streaming format through the SDK's baseURL is the one allowed double):
// the request it makes (model, history, streaming, nothing stored), the reply it streams, a failure
// becoming the in-band error, and a cancel reaching the upstream request.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Thread } from '../../src/server/index.js';
import { chatkit, createThread, eventually, LIMIT, readEvents, replyText, startTestServer, userInput, userWithToken } from './helpers.js';
import type { TestServer } from './helpers.js';

interface Recorded {
  path: string;
  authorization: string | undefined;
  body: { model: string; stream: boolean; store: boolean; instructions: string; input: { role: string; content: string }[] };
}

let mode: 'ok' | 'failed' | 'slow' = 'ok';
const recorded: Recorded[] = [];
let upstreamClosed = false;
let stub: Server;
let server: TestServer;
let token: string;

function sse(res: ServerResponse, type: string, data: Record<string, unknown>, sequence: number): void {
  res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence, ...data })}\n\n`);
}

async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  recorded.push({ path: req.url ?? '', authorization: req.headers.authorization, body: JSON.parse(raw) as Recorded['body'] });
  res.writeHead(200, { 'Content-Type': 'text/event-stream' });
  const response = { id: 'resp_1', object: 'response', status: 'in_progress', output: [] };
  sse(res, 'response.created', { response }, 0);
  if (mode === 'failed') {
    sse(res, 'response.failed', { response: { ...response, status: 'failed', error: { code: 'server_error', message: 'The model is on fire' } } }, 1);
    res.end();
    return;
  }
  const deltas = mode === 'slow' ? Array.from({ length: 100 }, (_, i) => `word${i} `) : ['Hello', ' from', ' the model', '.'];
  let sequence = 1;
  res.on('close', () => (upstreamClosed = true));
  for (const delta of deltas) {
    if (res.destroyed) return;
    sse(res, 'response.output_text.delta', { item_id: 'msg_1', output_index: 0, content_index: 0, delta, logprobs: [] }, sequence++);
    if (mode === 'slow') await new Promise(resolve => setTimeout(resolve, 20));
  }
  sse(res, 'response.completed', { response: { ...response, status: 'completed' } }, sequence);
  res.end();
}

before(async () => {
  stub = createServer((req, res) => void answer(req, res));
  await new Promise<void>(resolve => stub.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}/v1`;
  server = await startTestServer({ env: { OPENAI_API_KEY: 'sk-test-key', OPENAI_BASE_URL: baseUrl } });
  ({ token } = await userWithToken(server, 'Katherine'));
});
after(async () => {
  await server.stop();
  stub.closeAllConnections();
  await new Promise(resolve => stub.close(resolve));
});

test('OPENAI_API_KEY switches to the OpenAI responder', LIMIT, () => {
  assert.equal(server.app.responder.name, 'openai');
});

test('streams the model’s deltas as ChatKit events; the next turn sends the thread’s history', LIMIT, async () => {
  mode = 'ok';
  const { events, threadId } = await createThread(server, token, 'Hi model');
  assert.equal(replyText(events), 'Hello from the model.');
  assert.equal(events.filter(event => event.type === 'thread.item.updated' && event.update.type === 'assistant_message.content_part.text_delta').length, 4);
  assert.equal(events.at(-1)?.type, 'thread.updated');

  const first = recorded.at(-1)!;
  assert.equal(first.path, '/v1/responses');
  assert.equal(first.authorization, 'Bearer sk-test-key');
  assert.equal(first.body.model, 'gpt-4.1-mini');
  assert.equal(first.body.stream, true);
  assert.equal(first.body.store, false);
  assert.match(first.body.instructions, /"Katherine"/);
  assert.deepEqual(first.body.input, [{ role: 'user', content: 'Hi model' }]);

  await readEvents(await chatkit(server, token, { type: 'threads.add_user_message', params: { thread_id: threadId, input: userInput('And again') } }));
  assert.deepEqual(recorded.at(-1)!.body.input, [
    { role: 'user', content: 'Hi model' },
    { role: 'assistant', content: 'Hello from the model.' },
    { role: 'user', content: 'And again' },
  ]);
});

test('a failed response becomes the in-band stream.error', LIMIT, async () => {
  mode = 'failed';
  const { events } = await createThread(server, token, 'Break please');
  assert.deepEqual(events.at(-1), { type: 'error', code: 'stream.error', allow_retry: true });
  assert.ok(!events.some(event => event.type === 'thread.item.done' && event.item.type === 'assistant_message'), 'no assistant message is done');
});

test('a cancel stops the upstream request and keeps the partial reply', LIMIT, async () => {
  mode = 'slow';
  upstreamClosed = false;
  const controller = new AbortController();
  const response = await chatkit(server, token, { type: 'threads.create', params: { input: userInput('Talk a lot') } }, { signal: controller.signal });
  const reader = response.body!.getReader();
  let text = '';
  while (!text.includes('word2 ')) text += new TextDecoder().decode((await reader.read()).value);
  const threadId = /"thread":\{"id":"(thr_[0-9a-f]+)"/.exec(text)?.[1];
  controller.abort();
  await eventually(() => upstreamClosed);
  await eventually(() => server.stats.chatStreamsCancelled === 1);
  const thread = (await (await chatkit(server, token, { type: 'threads.get_by_id', params: { thread_id: threadId } })).json()) as Thread;
  const reply = thread.items.data[1];
  assert.ok(reply?.type === 'assistant_message', 'the partial reply was saved');
  assert.match(reply.content[0]?.text ?? '', /^word0 word1 word2 /);
  assert.ok(!reply.content[0]?.text.includes('word99'), 'the reply was cut short');
});
