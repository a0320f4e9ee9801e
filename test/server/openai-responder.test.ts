// The demo's OpenAI responder (OPENAI_API_KEY set): an Agents SDK agent through auth-chatkit/agents,
// against the Responses API stand-in (OpenAI is out of reach here; the stand-in speaking its
// streaming format through OPENAI_BASE_URL is the one allowed double). The requests it makes (model,
// tools, nothing stored), the verified claims reaching `whoami`, the widget card, the page's
// get_page_info client tool, a failure, a cancel, and no traces sent anywhere.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { getGlobalTraceProvider } from '@openai/agents';
import type { Attachment, Thread, ThreadItem } from '../../src/server/index.js';
import { pdf, png } from './attachment-fixtures.js';
import { address, chatkit, createThread, eventually, LIMIT, readEvents, replyText, startTestServer, userInput, userWithToken } from './helpers.js';
import type { TestServer } from './helpers.js';
import { startResponsesStandIn } from './responses-stand-in.js';
import type { InputItem, Reply, ResponsesStandIn } from './responses-stand-in.js';
import { assertValid, schemas } from './schemas.js';

let standIn: ResponsesStandIn;
let server: TestServer;
let token: string;
/** Every URL the process fetched while a test ran. */
const fetched: string[] = [];
const realFetch = globalThis.fetch;

const script = (...replies: Reply[]) => {
  const queue = [...replies];
  standIn.model = () => queue.shift() ?? { fail: 'http', status: 500, message: 'the test script ran out' };
};
const lastBody = () => standIn.requests.at(-1)!.body;
const inputOf = (items: string | InputItem[]): InputItem[] => (typeof items === 'string' ? [{ role: 'user', content: items }] : items);
const itemsOf = async (threadId: string): Promise<ThreadItem[]> =>
  ((await (await chatkit(server, token, { type: 'threads.get_by_id', params: { thread_id: threadId } })).json()) as Thread).items.data;

const ownKey = process.env.OPENAI_API_KEY;

before(async () => {
  // as the demo runs: the key in the environment, where the SDK's trace exporter would find it too
  process.env.OPENAI_API_KEY = 'sk-test-key';
  standIn = await startResponsesStandIn();
  globalThis.fetch = (input, init) => {
    fetched.push(input instanceof Request ? input.url : String(input));
    return realFetch(input, init);
  };
  server = await startTestServer({ env: { OPENAI_API_KEY: 'sk-test-key', OPENAI_BASE_URL: standIn.url } });
  ({ token } = await userWithToken(server, 'Katherine'));
});
after(async () => {
  globalThis.fetch = realFetch;
  if (ownKey === undefined) delete process.env.OPENAI_API_KEY;
  else process.env.OPENAI_API_KEY = ownKey;
  await server.stop();
  await standIn.close();
});
beforeEach(() => {
  standIn.requests.length = 0;
});

test('OPENAI_API_KEY switches to the OpenAI (Agents SDK) responder', LIMIT, () => {
  assert.equal(server.app.responder.name, 'openai');
});

test('streams the agent’s answer; nothing is stored at OpenAI, so the next turn sends the thread again', LIMIT, async () => {
  script({ output: [{ type: 'message', deltas: ['Hello', ' from', ' the agent.'] }] });
  const { events, threadId } = await createThread(server, token, 'Hi agent');
  for (const event of events) assertValid(schemas.streamEvent, event, event.type);
  assert.equal(replyText(events), 'Hello from the agent.');
  const first = standIn.requests.at(-1)!;
  assert.equal(first.path, '/v1/responses');
  assert.equal(first.authorization, 'Bearer sk-test-key');
  assert.equal(first.body.model, 'gpt-4.1-mini');
  assert.equal(first.body.stream, true);
  assert.equal(first.body.store, false);
  assert.equal(first.body.reasoning, undefined, 'no reasoning options for a model that does not reason');
  assert.match(String(first.body.instructions), /"Katherine"/);
  assert.deepEqual(first.body.tools?.map(tool => tool.name), ['whoami', 'show_profile_card', 'get_page_info']);
  assert.deepEqual(inputOf(first.body.input), [{ role: 'user', content: [{ type: 'input_text', text: 'Hi agent' }] }]);

  script({ output: [{ type: 'message', deltas: ['Again.'] }] });
  await readEvents(await chatkit(server, token, { type: 'threads.add_user_message', params: { thread_id: threadId, input: userInput('And again') } }));
  assert.equal(lastBody().previous_response_id, undefined);
  assert.deepEqual(
    inputOf(lastBody().input).map(item => item.role),
    ['user', 'assistant', 'user'],
  );
});

test('whoami answers with the verified claims; the profile card is a widget; get_page_info is answered by the page', LIMIT, async () => {
  script(
    { output: [{ type: 'function_call', name: 'whoami', arguments: {}, callId: 'call_who' }] },
    { output: [{ type: 'function_call', name: 'show_profile_card', arguments: {} }] },
    { output: [{ type: 'function_call', name: 'get_page_info', arguments: {}, callId: 'call_page' }] },
  );
  const { events, threadId } = await createThread(server, token, 'Who am I, and where?');
  for (const event of events) assertValid(schemas.streamEvent, event, event.type);
  const progress = events.flatMap(event => (event.type === 'progress_update' ? [event.text] : []));
  assert.deepEqual(progress, ['Checking who you are…', 'Drawing your card…', 'Asking the page…']);
  const claims = inputOf(standIn.requests[1]!.body.input).find(item => item.type === 'function_call_output');
  assert.equal(claims?.call_id, 'call_who');
  const who = JSON.parse(String(claims?.output)) as { sub: string; name: string; claims: Record<string, unknown> };
  assert.equal(who.name, 'Katherine');
  assert.equal(who.claims.sub, who.sub);
  assert.equal(who.claims.iss, server.url, 'the claims of the verified token');
  const widget = events.find(event => event.type === 'thread.item.done' && event.item.type === 'widget');
  assert.ok(widget?.type === 'thread.item.done' && widget.item.type === 'widget' && JSON.stringify(widget.item.widget).includes('Katherine'));
  const pending = events.findLast(event => event.type === 'thread.item.done');
  assert.ok(pending?.type === 'thread.item.done' && pending.item.type === 'client_tool_call', 'the turn ends with the client tool call');
  assert.equal(pending.item.call_id, 'call_page');
  assert.equal(standIn.requests.length, 3, 'the run stopped at the client tool');

  script({ output: [{ type: 'message', deltas: ['You are on ', '“Demo”.'] }] });
  const resumed = await readEvents(await chatkit(server, token, { type: 'threads.add_client_tool_output', params: { thread_id: threadId, result: { title: 'Demo', url: 'http://page.example/' } } }));
  for (const event of resumed) assertValid(schemas.streamEvent, event, event.type);
  assert.equal(replyText(resumed), 'You are on “Demo”.');
  assert.equal(standIn.requests.at(-1)!.status, 200, 'the Responses API accepts the resumed input');
  const output = inputOf(lastBody().input).find(item => item.type === 'function_call_output');
  assert.deepEqual(output && [output.call_id, output.output], ['call_page', JSON.stringify({ title: 'Demo', url: 'http://page.example/' })]);
  assert.deepEqual((await itemsOf(threadId)).map(item => item.type), ['user_message', 'widget', 'client_tool_call', 'assistant_message']);
});

test('uploaded files reach the model inline: an image as input_image, a PDF as input_file', LIMIT, async () => {
  const upload = async (name: string, mimeType: string, data: Uint8Array<ArrayBuffer>): Promise<Attachment> => {
    const created = (await (await chatkit(server, token, { type: 'attachments.create', params: { name, size: data.byteLength, mime_type: mimeType } })).json()) as Attachment;
    const { url, method, headers } = created.upload_descriptor!;
    const sent = await fetch(url.replace(server.url, address(server)), { method, headers: { ...headers, Origin: server.url }, body: data });
    assert.equal(sent.status, 200, await sent.clone().text());
    return (await sent.json()) as Attachment;
  };
  const image = await upload('dot.png', 'image/png', png);
  const paper = await upload('paper.pdf', 'application/pdf', pdf);
  script({ output: [{ type: 'message', deltas: ['A dot and a paper.'] }] });
  const events = await readEvents(await chatkit(server, token, { type: 'threads.create', params: { input: { ...userInput('What are these?'), attachments: [image.id, paper.id] } } }));
  assert.equal(replyText(events), 'A dot and a paper.');
  const [message] = inputOf(lastBody().input) as { content: Record<string, string>[] }[];
  assert.deepEqual(message!.content[0], { type: 'input_text', text: 'What are these?' });
  assert.deepEqual(message!.content[1], { type: 'input_image', image_url: `data:image/png;base64,${Buffer.from(png).toString('base64')}`, detail: 'auto' });
  assert.equal(message!.content[2]!.type, 'input_file');
  assert.equal(message!.content[2]!.filename, 'paper.pdf');
  assert.equal(message!.content[2]!.file_data, `data:application/pdf;base64,${Buffer.from(pdf).toString('base64')}`);
});

test('a failed response becomes the in-band stream.error and nothing of the turn is stored', LIMIT, async () => {
  script({ fail: 'response.failed', message: 'The model is on fire' });
  const { events, threadId } = await createThread(server, token, 'Break please');
  assert.deepEqual(events.filter(event => event.type === 'error'), [{ type: 'error', code: 'stream.error', allow_retry: true }]);
  assert.deepEqual((await itemsOf(threadId)).map(item => item.type), ['user_message']);
});

test('a cancel stops the upstream request and keeps the partial reply', LIMIT, async () => {
  script({ output: [{ type: 'message', deltas: Array.from({ length: 100 }, (_, i) => `word${i} `) }], delayMs: 20 });
  const controller = new AbortController();
  const response = await chatkit(server, token, { type: 'threads.create', params: { input: userInput('Talk a lot') } }, { signal: controller.signal });
  const reader = response.body!.getReader();
  let text = '';
  while (!text.includes('word2 ')) text += new TextDecoder().decode((await reader.read()).value);
  const threadId = /"(thr_[0-9a-f]+)"/.exec(text)![1]!;
  controller.abort();
  await eventually(() => standIn.requests[0]!.closedEarly);
  const reply = await eventually(async () => (await itemsOf(threadId)).find(item => item.type === 'assistant_message'));
  assert.ok(reply?.type === 'assistant_message', 'the partial reply was saved');
  assert.match(reply.content[0]?.text ?? '', /^word0 word1 word2 /);
  assert.ok(!reply.content[0]?.text.includes('word99'), 'the reply was cut short');
});

test('OPENAI_MODEL a reasoning model: summaries asked for and shown as a workflow; its reasoning travels encrypted, accepted without storage', LIMIT, async () => {
  const reasoning = await startTestServer({ env: { OPENAI_API_KEY: 'sk-test-key', OPENAI_BASE_URL: standIn.url, OPENAI_MODEL: 'gpt-5-mini' } });
  try {
    const { token: own } = await userWithToken(reasoning, 'Lin');
    script(
      { output: [{ type: 'reasoning', summary: ['Who is asking?'] }, { type: 'function_call', name: 'whoami', arguments: {} }] },
      { output: [{ type: 'reasoning', summary: ['Now I know.'] }, { type: 'message', deltas: ['You are Lin.'] }] },
    );
    const { events } = await createThread(reasoning, own, 'Who am I?');
    for (const event of events) assertValid(schemas.streamEvent, event, event.type);
    assert.equal(replyText(events), 'You are Lin.');
    const workflow = events.find(event => event.type === 'thread.item.done' && event.item.type === 'workflow');
    assert.ok(workflow?.type === 'thread.item.done' && workflow.item.type === 'workflow');
    assert.deepEqual(workflow.item.workflow.tasks.map(task => (task.type === 'thought' ? task.content : '')), ['Who is asking?', 'Now I know.']);
    for (const { body, status } of standIn.requests) {
      assert.equal(status, 200, 'the Responses API accepted every request');
      assert.deepEqual([body.model, body.store, body.reasoning?.summary, body.include], ['gpt-5-mini', false, 'auto', ['reasoning.encrypted_content']]);
    }
    assert.ok(inputOf(lastBody().input).some(item => item.type === 'reasoning' && item.encrypted_content), 'the reasoning went back encrypted');
  } finally {
    await reasoning.stop();
  }
});

test('the SDK’s traces go nowhere: every request of the process went to this machine', LIMIT, async () => {
  await getGlobalTraceProvider().forceFlush();
  const elsewhere = fetched.filter(url => !/^http:\/\/127\.0\.0\.1[:/]/.test(url));
  assert.ok(fetched.some(url => url.startsWith(standIn.url)), 'the model calls went through fetch (the check can see them)');
  assert.deepEqual(elsewhere, []);
});
