// auth-chatkit/agents (streamAgentResponse, AgentContext, clientTool, loadAgentInput) with the real
// `@openai/agents` and `openai` clients on the Responses API stand-in, behind createChatKitServer
// with real token verification. Each streamed event is checked against chatkit-python's schemas.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Agent, tool } from '@openai/agents';
import type { InputGuardrail, OutputGuardrail, RunContext } from '@openai/agents';
import { z } from 'zod';
import { createChatKitServer, MemoryStore } from '../../src/server/chatkit/index.js';
import type { AssistantMessageItem, ChatKitServer, ClientToolCallItem, WidgetItem, WorkflowItem } from '../../src/server/chatkit/index.js';
import { AgentContext, clientTool, loadAgentInput, PREVIOUS_RESPONSE_ID, streamAgentResponse, withProgress } from '../../src/server/agents/index.js';
import { post, shape, standInRunner, startAuth, storedItems, stream, threadIdOf, userInput } from './agents-harness.js';
import type { Events, TestAuth } from './agents-harness.js';
import { eventually, LIMIT } from './helpers.js';
import { startResponsesStandIn } from './responses-stand-in.js';
import type { InputItem, Reply, ResponsesRequest, ResponsesStandIn } from './responses-stand-in.js';

let standIn: ResponsesStandIn;
let auth: TestAuth;
let token: string;
const logged: unknown[] = [];
/** The test user's context, for reading the store directly. */
const userContext = { user: { sub: 'user-1', claims: {} }, request: new Request('http://localhost/'), signal: new AbortController().signal };

/** Each reading of the clock is one second after the one before; the first is the real time (the store orders items by time). */
function tickingClock() {
  let now: number | undefined;
  return () => (now = now === undefined ? Date.now() : now + 1000);
}

interface Setup {
  agent: Agent<AgentContext>;
  timeoutMs?: number;
  idleTimeoutMs?: number;
  now?: () => number;
}

function agentServer(setup: Setup): { chatkit: ChatKitServer; store: MemoryStore } {
  const store = new MemoryStore();
  const runner = standInRunner(standIn.url, { timeoutMs: setup.timeoutMs });
  const chatkit = createChatKitServer({
    authUrl: auth.authUrl,
    store,
    log: entry => void logged.push(entry),
    async *respond(thread, _input, context) {
      const agentContext = new AgentContext({ thread, store, requestContext: context, ...(setup.now ? { now: setup.now } : {}) });
      const { input, previousResponseId } = await loadAgentInput(agentContext);
      const result = await runner.run(setup.agent, input, { stream: true, context: agentContext, previousResponseId, signal: context.signal });
      yield* streamAgentResponse(agentContext, result, setup.idleTimeoutMs ? { idleTimeoutMs: setup.idleTimeoutMs } : {});
    },
  });
  return { chatkit, store };
}

const script = (...replies: Reply[]) => {
  const queue = [...replies];
  standIn.model = () => queue.shift() ?? { fail: 'http', status: 500, message: 'the test script ran out' };
};
const say = (...deltas: string[]): Reply => ({ output: [{ type: 'message', deltas }] });
const call = (name: string, args: unknown = {}, callId?: string): Reply => ({ output: [{ type: 'function_call', name, arguments: args, ...(callId ? { callId } : {}) }] });
const inputOf = (request: ResponsesRequest): InputItem[] => (typeof request.input === 'string' ? [{ role: 'user', content: request.input }] : request.input);
const lastRequest = () => standIn.requests.at(-1)!.body;
const create = (text: string) => ({ type: 'threads.create', params: { input: userInput(text) } });
const addMessage = (threadId: string, text: string) => ({ type: 'threads.add_user_message', params: { thread_id: threadId, input: userInput(text) } });
const doneItems = (events: Events) => events.flatMap(event => (event.type === 'thread.item.done' ? [event.item] : []));
const errorOf = (events: Events) => events.filter(event => event.type === 'error');

const plainAgent = (options: Partial<ConstructorParameters<typeof Agent<AgentContext>>[0]> = {}) =>
  new Agent<AgentContext>({ name: 'Assistant', instructions: 'Answer concisely.', model: 'gpt-4.1-mini', ...options });

before(async () => {
  standIn = await startResponsesStandIn();
  auth = await startAuth();
  token = await auth.token({ sub: 'user-1', name: 'Katherine', email: 'k@example.com', role: 'admin' });
});
after(async () => {
  await standIn.close();
  await auth.close();
});
beforeEach(() => {
  standIn.requests.length = 0;
  logged.length = 0;
});

describe('streamAgentResponse: the model’s answer', LIMIT, () => {
  test('text deltas become one assistant message, streamed part by part and stored when done', async () => {
    const { chatkit } = agentServer({ agent: plainAgent() });
    script(say('Hello', ' from', ' the agent.'));
    const events = await stream(chatkit, token, create('Hi'));
    assert.deepEqual(shape(events).slice(2), [
      'stream_options',
      'added:assistant_message',
      'updated:assistant_message.content_part.added',
      'updated:assistant_message.content_part.text_delta',
      'updated:assistant_message.content_part.text_delta',
      'updated:assistant_message.content_part.text_delta',
      'updated:assistant_message.content_part.done',
      'done:assistant_message',
      'thread.updated', // the stored response the next turn continues, in the thread's metadata
    ]);
    const done = doneItems(events).at(-1) as AssistantMessageItem;
    assert.deepEqual(done.content, [{ annotations: [], text: 'Hello from the agent.', type: 'output_text' }]);
    const stored = await storedItems(chatkit, token, threadIdOf(events));
    assert.deepEqual(stored.map(item => item.type), ['user_message', 'assistant_message']);
    assert.deepEqual((stored[1] as AssistantMessageItem).content, done.content);

    const request = lastRequest();
    assert.equal(standIn.requests.at(-1)!.path, '/v1/responses');
    assert.equal(request.model, 'gpt-4.1-mini');
    assert.equal(request.stream, true);
    assert.equal(request.instructions, 'Answer concisely.');
    assert.deepEqual(inputOf(request), [{ role: 'user', content: [{ type: 'input_text', text: 'Hi' }] }]);
    assert.equal(request.reasoning, undefined, 'no reasoning options for a model that does not reason');
  });

  test('URL and file citations stream as annotations with their sources', async () => {
    const { chatkit } = agentServer({ agent: plainAgent() });
    script({
      output: [
        {
          type: 'message',
          deltas: ['The limit is ', '60 per minute.'],
          annotations: [
            { type: 'url_citation', url: 'https://docs.example.com/limits', title: 'Rate limits', start_index: 0, end_index: 26 },
            { type: 'file_citation', file_id: 'file_1', filename: 'limits.pdf', index: 26 },
          ],
        },
      ],
    });
    const events = await stream(chatkit, token, create('Limits?'));
    const added = events.flatMap(event => (event.type === 'thread.item.updated' && event.update.type === 'assistant_message.content_part.annotation_added' ? [event.update] : []));
    const url = { type: 'annotation', source: { type: 'url', url: 'https://docs.example.com/limits', title: 'Rate limits' }, index: 26 };
    const file = { type: 'annotation', source: { type: 'file', filename: 'limits.pdf', title: 'limits.pdf' }, index: 26 };
    assert.deepEqual(added, [
      { type: 'assistant_message.content_part.annotation_added', content_index: 0, annotation_index: 0, annotation: url },
      { type: 'assistant_message.content_part.annotation_added', content_index: 0, annotation_index: 1, annotation: file },
    ]);
    const stored = await storedItems(chatkit, token, threadIdOf(events));
    assert.deepEqual((stored[1] as AssistantMessageItem).content[0]!.annotations, [url, file]);
  });

  test('reasoning summaries become a reasoning workflow of thoughts, closed with its duration when the answer starts', async () => {
    const { chatkit } = agentServer({
      agent: plainAgent({ model: 'gpt-5-mini', modelSettings: { reasoning: { effort: 'low', summary: 'auto' } } }),
      now: tickingClock(),
    });
    script({ output: [{ type: 'reasoning', summary: ['Checking the docs.', 'Counting.'] }, { type: 'message', deltas: ['Sixty.'] }] });
    const events = await stream(chatkit, token, create('Think'));
    assert.deepEqual(shape(events).slice(3, 13), [
      'added:workflow',
      'updated:workflow.task.added', // "Checking "
      'updated:workflow.task.updated', // "the "
      'updated:workflow.task.updated', // "docs."
      'updated:workflow.task.updated', // the summary's done
      'updated:workflow.task.added', // the second summary, whole
      'done:workflow',
      'added:assistant_message',
      'updated:assistant_message.content_part.added',
      'updated:assistant_message.content_part.text_delta',
    ]);
    const workflow = doneItems(events)[1] as WorkflowItem;
    assert.deepEqual(workflow.workflow, {
      type: 'reasoning',
      tasks: [
        { status_indicator: 'none', type: 'thought', content: 'Checking the docs.' },
        { status_indicator: 'none', type: 'thought', content: 'Counting.' },
      ],
      summary: { duration: 1 },
      expanded: false,
    });
    assert.deepEqual(lastRequest().reasoning, { effort: 'low', summary: 'auto' });
    const stored = await storedItems(chatkit, token, threadIdOf(events));
    assert.deepEqual(stored.map(item => item.type), ['user_message', 'workflow', 'assistant_message']);
  });
});

describe('streamAgentResponse: tools', LIMIT, () => {
  const whoami = tool({
    name: 'whoami',
    description: "The signed-in user's verified claims.",
    parameters: z.object({}),
    execute: async (_input, run?: RunContext<AgentContext>) => JSON.stringify({ sub: run!.context.user.sub, name: run!.context.user.name, role: run!.context.user.claims.role }),
  });

  test('a tool call shows a progress update with the tool’s name; the tool sees the verified user', async () => {
    const { chatkit } = agentServer({ agent: plainAgent({ tools: [whoami] }) });
    script(call('whoami', {}, 'call_who'), say('You are Katherine.'));
    const events = await stream(chatkit, token, create('Who am I?'));
    assert.deepEqual(events.find(event => event.type === 'progress_update'), { type: 'progress_update', text: 'whoami' });
    const output = inputOf(lastRequest()).find(item => item.type === 'function_call_output');
    assert.deepEqual(output && { call_id: output.call_id, output: output.output }, { call_id: 'call_who', output: JSON.stringify({ sub: 'user-1', name: 'Katherine', role: 'admin' }) });
    assert.equal((doneItems(events).at(-1) as AssistantMessageItem).content[0]!.text, 'You are Katherine.');
  });

  test('a tool’s declared label and icon name its progress; what tools enqueue comes in order (widget, task, notice, effect, hidden context)', async () => {
    const card = tool({
      name: 'show_card',
      description: 'Shows a card.',
      parameters: z.object({ title: z.string() }),
      execute: async ({ title }, run?: RunContext<AgentContext>) => {
        const context = run!.context;
        context.addWorkflowTask({ status_indicator: 'complete', type: 'custom', title: 'Looked it up' });
        context.notice('info', 'A card is coming.');
        await context.streamWidget({ type: 'Card', children: [{ type: 'Text', value: title }] }, { copyText: title });
        context.clientEffect('highlight', { id: 1 });
        context.addHiddenContext('The card was shown.');
        return 'shown';
      },
    });
    // nothing stored at the API: the next turn sends the thread again, where the widget, task and hidden context are
    const { chatkit } = agentServer({ agent: plainAgent({ tools: [withProgress(card, { label: 'Drawing a card…', icon: 'sparkle' })], modelSettings: { store: false } }) });
    script(call('show_card', { title: '60 req/min' }), say('Here it is.'));
    const events = await stream(chatkit, token, create('Card please'));
    // the hidden context's `done` is stored and never sent; the widget closes the open workflow first
    assert.deepEqual(shape(events).slice(3, 10), ['progress_update', 'added:workflow', 'notice', 'done:workflow', 'done:widget', 'client_effect', 'added:assistant_message']);
    assert.deepEqual(events[3], { type: 'progress_update', icon: 'sparkle', text: 'Drawing a card…' });
    const widget = doneItems(events).find(item => item.type === 'widget') as WidgetItem;
    assert.deepEqual(widget.widget, { type: 'Card', children: [{ type: 'Text', value: '60 req/min' }] });
    assert.equal(widget.copy_text, '60 req/min');
    const stored = await storedItems(chatkit, token, threadIdOf(events));
    assert.deepEqual(stored.map(item => item.type), ['user_message', 'workflow', 'widget', 'assistant_message'], 'hidden context is stored but never shown');

    script(say('Again.'));
    await stream(chatkit, token, addMessage(threadIdOf(events), 'And?'));
    const texts = inputOf(lastRequest()).map(item => JSON.stringify(item.content ?? ''));
    assert.ok(texts.some(text => text.includes('graphical UI widget') && text.includes('60 req/min')), 'the widget reaches the model');
    assert.ok(texts.some(text => text.includes('<HiddenContext>\\nThe card was shown.')), 'the hidden context reaches the model');
    assert.ok(texts.some(text => text.includes('<Task>\\nLooked it up')), 'the task reaches the model');
  });

  test('a tool asks the user (structured input), the turn ends there, and the answers reach the model next turn; workflow helpers', async () => {
    const ask = tool({
      name: 'ask_size',
      description: 'Asks the user for a size.',
      parameters: z.object({}),
      execute: async (_input, run?: RunContext<AgentContext>) => {
        const context = run!.context;
        context.startWorkflow({ type: 'custom', tasks: [{ type: 'custom', status_indicator: 'loading', title: 'Checking stock' }] });
        context.updateWorkflowTask({ type: 'custom', status_indicator: 'complete', title: 'Checked stock' }, 0);
        context.endWorkflow({ summary: { title: 'Stock checked' }, expanded: true });
        context.progress('Asking you…', 'search');
        context.requestStructuredInput([{ id: 'q1', type: 'freeform', question: 'Which size?' }]);
        return 'Asked.';
      },
    });
    const { chatkit } = agentServer({ agent: plainAgent({ tools: [ask], toolUseBehavior: { stopAtToolNames: ['ask_size'] } }) });
    script(call('ask_size'));
    const events = await stream(chatkit, token, create('A shirt please'));
    assert.deepEqual(shape(events).slice(3), ['progress_update', 'added:workflow', 'updated:workflow.task.updated', 'done:workflow', 'progress_update', 'done:structured_input']);
    const workflow = doneItems(events).find(item => item.type === 'workflow') as WorkflowItem;
    assert.deepEqual(workflow.workflow, { type: 'custom', tasks: [{ type: 'custom', status_indicator: 'complete', title: 'Checked stock' }], summary: { title: 'Stock checked' }, expanded: true });
    const form = doneItems(events).at(-1)!;
    assert.equal(standIn.requests.length, 1);

    script(say('Size L it is.'));
    const answered = await stream(chatkit, token, {
      type: 'threads.add_structured_input',
      params: { thread_id: threadIdOf(events), item_id: form.id, input: { status: 'answered', answers: { q1: { values: ['L'] } } } },
    });
    assert.equal(errorOf(answered).length, 0);
    assert.equal(lastRequest().previous_response_id, undefined, 'a turn that ended at a tool is not continued by id');
    assert.ok(inputOf(lastRequest()).some(item => JSON.stringify(item.content).includes('- Which size?: L')));
    assert.equal(standIn.requests.at(-1)!.status, 200);
  });

  test('a tool’s own workflow closes the open reasoning workflow first; each is stored once, closed', async () => {
    const steps = tool({
      name: 'steps',
      description: 'Works in steps.',
      parameters: z.object({}),
      execute: async (_input, run?: RunContext<AgentContext>) => {
        run!.context.startWorkflow({ tasks: [{ type: 'custom', status_indicator: 'complete', title: 'Step one' }] });
        return 'done';
      },
    });
    const { chatkit, store } = agentServer({ agent: plainAgent({ model: 'gpt-5-mini', tools: [steps], modelSettings: { reasoning: { summary: 'auto' } } }) });
    script({ output: [{ type: 'reasoning', summary: ['Plan.'] }, { type: 'function_call', name: 'steps', arguments: {} }] }, say('Done.'));
    const events = await stream(chatkit, token, create('Go'));
    assert.deepEqual(shape(events).slice(3, 12), [
      'added:workflow',
      'updated:workflow.task.added',
      'updated:workflow.task.updated',
      'progress_update',
      'done:workflow', // the reasoning, closed before the tool's workflow shows
      'added:workflow',
      'done:workflow', // the tool's, closed when the answer starts
      'added:assistant_message',
      'updated:assistant_message.content_part.added',
    ]);
    const workflows = doneItems(events).filter(item => item.type === 'workflow') as WorkflowItem[];
    assert.deepEqual(workflows.map(item => [item.workflow.type, item.workflow.expanded, 'duration' in (item.workflow.summary ?? {})]), [['reasoning', false, true], ['custom', false, true]]);
    const stored = (await store.loadThreadItems(threadIdOf(events), undefined, 10, 'asc', userContext)).data;
    assert.deepEqual(stored.map(item => item.type), ['user_message', 'workflow', 'workflow', 'assistant_message']);
  });

  test('a tool that throws is reported to the model (the SDK’s way), and the turn goes on', async () => {
    const broken = tool({ name: 'broken', description: 'Fails.', parameters: z.object({}), execute: async () => { throw new Error('disk on fire'); } });
    const { chatkit } = agentServer({ agent: plainAgent({ tools: [broken] }) });
    script(call('broken'), say('The tool failed.'));
    const events = await stream(chatkit, token, create('Try it'));
    assert.equal(errorOf(events).length, 0);
    const output = inputOf(lastRequest()).find(item => item.type === 'function_call_output');
    assert.match(String(output?.output), /disk on fire/);
    assert.equal((doneItems(events).at(-1) as AssistantMessageItem).content[0]!.text, 'The tool failed.');
  });
});

describe('streamAgentResponse: client tools', LIMIT, () => {
  const getPageInfo = clientTool({ name: 'get_page_info', description: 'The page the chat is on.', parameters: z.object({ fields: z.array(z.string()) }) });

  test('the turn ends with a pending client_tool_call keeping the model’s call_id; the page’s output resumes the agent on that call', async () => {
    const { chatkit } = agentServer({ agent: plainAgent({ tools: [getPageInfo], toolUseBehavior: { stopAtToolNames: ['get_page_info'] } }) });
    script(call('get_page_info', { fields: ['title'] }, 'call_page'));
    const events = await stream(chatkit, token, create('What page is this?'));
    assert.equal(standIn.requests.length, 1, 'the run stopped at the client tool');
    const pending = doneItems(events).at(-1) as ClientToolCallItem;
    assert.equal(pending.type, 'client_tool_call');
    assert.deepEqual({ status: pending.status, call_id: pending.call_id, name: pending.name, arguments: pending.arguments }, { status: 'pending', call_id: 'call_page', name: 'get_page_info', arguments: { fields: ['title'] } });
    assert.match(pending.id, /^fc_/);

    script(say('The page is ', '“Docs”.'));
    const threadId = threadIdOf(events);
    const resumed = await stream(chatkit, token, { type: 'threads.add_client_tool_output', params: { thread_id: threadId, result: { title: 'Docs' } } });
    assert.equal(errorOf(resumed).length, 0);
    const input = inputOf(lastRequest());
    assert.equal(standIn.requests.at(-1)!.status, 200, 'the Responses API accepted the resumed input');
    assert.equal(lastRequest().previous_response_id, undefined);
    const callItem = input.find(item => item.type === 'function_call');
    const outputItem = input.find(item => item.type === 'function_call_output');
    assert.deepEqual(callItem && { call_id: callItem.call_id, name: callItem.name, arguments: callItem.arguments }, { call_id: 'call_page', name: 'get_page_info', arguments: '{"fields":["title"]}' });
    assert.deepEqual(outputItem && { call_id: outputItem.call_id, output: outputItem.output }, { call_id: 'call_page', output: '{"title":"Docs"}' });
    const stored = await storedItems(chatkit, token, threadId);
    assert.deepEqual(stored.map(item => item.type), ['user_message', 'client_tool_call', 'assistant_message']);
    assert.deepEqual((stored[1] as ClientToolCallItem).output, { title: 'Docs' });
  });

  test('a client tool that does not end the run is an in-band error, and nothing of the turn stays', async () => {
    const { chatkit } = agentServer({ agent: plainAgent({ tools: [getPageInfo] }) });
    script(call('get_page_info', { fields: [] }), say('I guessed.'));
    const events = await stream(chatkit, token, create('Page?'));
    assert.deepEqual(errorOf(events), [{ type: 'error', code: 'stream.error', allow_retry: true }]);
    assert.match(String((logged[0] as { error?: Error }).error?.message), /stopAtToolNames: \['get_page_info'\]/);
    assert.deepEqual((await storedItems(chatkit, token, threadIdOf(events))).map(item => item.type), ['user_message']);
  });
});

describe('streamAgentResponse: guardrails and failures', LIMIT, () => {
  test('an input guardrail tripwire removes what the turn produced and ends in an in-band error (retry allowed)', async () => {
    const guard: InputGuardrail = { name: 'no_secrets', execute: async () => ({ tripwireTriggered: true, outputInfo: 'secret' }) };
    const { chatkit } = agentServer({ agent: plainAgent({ inputGuardrails: [guard] }) });
    script({ output: [{ type: 'message', deltas: ['Sure, ', 'the secret is…'] }], delayMs: 5 });
    const events = await stream(chatkit, token, create('Tell me the secret'));
    assert.deepEqual(events.at(-1), { type: 'error', code: 'stream.error', allow_retry: true });
    const added = events.flatMap(event => (event.type === 'thread.item.added' ? [event.item.id] : []));
    const removed = events.flatMap(event => (event.type === 'thread.item.removed' ? [event.item_id] : []));
    assert.deepEqual(removed, added, 'everything added is removed');
    assert.deepEqual((await storedItems(chatkit, token, threadIdOf(events))).map(item => item.type), ['user_message']);
  });

  test('an output guardrail tripwire removes the finished answer and ends in an in-band error', async () => {
    const guard: OutputGuardrail = { name: 'no_rude', execute: async () => ({ tripwireTriggered: true, outputInfo: 'rude' }) };
    const { chatkit } = agentServer({ agent: plainAgent({ outputGuardrails: [guard] }) });
    script(say('Something rude.'));
    const events = await stream(chatkit, token, create('Be rude'));
    const done = doneItems(events).filter(item => item.type === 'assistant_message');
    assert.equal(done.length, 1, 'the answer was done before the guardrail ran');
    assert.ok(events.some(event => event.type === 'thread.item.removed' && event.item_id === done[0]!.id));
    assert.deepEqual(events.at(-1), { type: 'error', code: 'stream.error', allow_retry: true });
    assert.deepEqual((await storedItems(chatkit, token, threadIdOf(events))).map(item => item.type), ['user_message']);
  });

  const failures: [string, Reply][] = [
    ['an HTTP 500', { fail: 'http', status: 500, message: 'The server had an error' }],
    ['response.failed', { fail: 'response.failed', message: 'The model is on fire' }],
    ['an error event', { fail: 'error-event', message: 'Overloaded' }],
    ['garbage in the stream', { fail: 'garbage' }],
    ['no answer (client timeout)', { fail: 'hang' }],
    ['a stream that stalls after it started (idle timeout)', { fail: 'stall' }],
  ];
  for (const [what, reply] of failures) {
    test(`${what}: an in-band error that allows retry, nothing stored half-way`, async () => {
      const { chatkit } = agentServer({ agent: plainAgent(), timeoutMs: 500, idleTimeoutMs: 500 });
      script(reply);
      const events = await stream(chatkit, token, create('Hello?'));
      assert.deepEqual(events.at(-1), { type: 'error', code: 'stream.error', allow_retry: true });
      assert.deepEqual((await storedItems(chatkit, token, threadIdOf(events))).map(item => item.type), ['user_message']);
    });
  }

  test('a failure after a tool already showed a widget takes the widget back too', async () => {
    const card = tool({
      name: 'card',
      description: 'A card.',
      parameters: z.object({}),
      execute: async (_input, run?: RunContext<AgentContext>) => {
        await run!.context.streamWidget({ type: 'Card', children: [] });
        return 'ok';
      },
    });
    const { chatkit } = agentServer({ agent: plainAgent({ tools: [card] }) });
    script(call('card'), { fail: 'response.failed', message: 'gone' });
    const events = await stream(chatkit, token, create('Card then fail'));
    const widget = doneItems(events).find(item => item.type === 'widget')!;
    assert.ok(events.some(event => event.type === 'thread.item.removed' && event.item_id === widget.id));
    assert.deepEqual((await storedItems(chatkit, token, threadIdOf(events))).map(item => item.type), ['user_message']);
  });
});

describe('streamAgentResponse: the client closes the stream', LIMIT, () => {
  test('the run is cancelled (the upstream request closes), the partial text is kept and the next turn hears of it', async () => {
    const { chatkit, store } = agentServer({ agent: plainAgent() });
    script({ output: [{ type: 'message', deltas: Array.from({ length: 200 }, (_, i) => `word${i} `) }], delayMs: 10 });
    const controller = new AbortController();
    const response = await post(chatkit, token, create('Talk a lot'), { signal: controller.signal });
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes('word3 ')) text += new TextDecoder().decode((await reader.read()).value);
    const threadId = /"(thr_[0-9a-f]+)"/.exec(text)![1]!;
    await reader.cancel();
    controller.abort();
    await eventually(() => standIn.requests[0]!.closedEarly);
    // the hidden note is stored, never sent: read the store itself
    const stored = await eventually(async () => {
      const items = (await store.loadThreadItems(threadId, undefined, 10, 'asc', userContext)).data;
      return items.length >= 3 ? items : undefined;
    });
    assert.ok(stored);
    assert.deepEqual(stored.map(item => item.type), ['user_message', 'assistant_message', 'sdk_hidden_context']);
    const partial = (stored[1] as AssistantMessageItem).content[0]!.text;
    assert.match(partial, /^word0 word1 word2 word3 /);
    assert.ok(!partial.includes('word199'), 'cut short');

    script(say('Sorry.'));
    await stream(chatkit, token, addMessage(threadId, 'Shorter please'));
    const input = inputOf(lastRequest());
    assert.deepEqual(input.map(item => item.role), ['user', 'assistant', 'user', 'user']);
    assert.match(JSON.stringify(input[2]), /The user cancelled the stream/);
  });
});

describe('loadAgentInput: previousResponseId', LIMIT, () => {
  test('a stored response is continued with only what came after it', async () => {
    const { chatkit, store } = agentServer({ agent: plainAgent() });
    script(say('One.'));
    const first = await stream(chatkit, token, create('First'));
    const firstId = standIn.requests.length;
    assert.equal(firstId, 1);
    const threadId = threadIdOf(first);
    script(say('Two.'));
    await stream(chatkit, token, addMessage(threadId, 'Second'));
    const second = lastRequest();
    assert.match(String(second.previous_response_id), /^resp_/);
    assert.deepEqual(inputOf(second), [{ role: 'user', content: [{ type: 'input_text', text: 'Second' }] }]);
    assert.equal(standIn.requests.at(-1)!.status, 200);
    const thread = await store.loadThread(threadId, userContext);
    assert.match(String(thread.metadata[PREVIOUS_RESPONSE_ID]), /^resp_/);
  });

  test('with store: false, never a previous_response_id: the whole thread is sent again', async () => {
    const { chatkit } = agentServer({ agent: plainAgent({ modelSettings: { store: false } }) });
    script(say('One.'), say('Two.'));
    const first = await stream(chatkit, token, create('First'));
    await stream(chatkit, token, addMessage(threadIdOf(first), 'Second'));
    const second = lastRequest();
    assert.equal(second.store, false);
    assert.equal(second.previous_response_id, undefined);
    assert.deepEqual(inputOf(second).map(item => item.role), ['user', 'assistant', 'user']);
    assert.ok(standIn.requests.every(request => request.status === 200));
  });

  test('a reasoning model without stored responses gets its reasoning back encrypted, and the API accepts it', async () => {
    const lookup = tool({ name: 'lookup', description: 'Looks up.', parameters: z.object({}), execute: async () => 'found' });
    const agent = plainAgent({
      model: 'gpt-5-mini',
      tools: [lookup],
      modelSettings: { store: false, reasoning: { effort: 'low', summary: 'auto' }, providerData: { include: ['reasoning.encrypted_content'] } },
    });
    const { chatkit } = agentServer({ agent });
    script({ output: [{ type: 'reasoning', summary: ['Need a lookup.'] }, { type: 'function_call', name: 'lookup', arguments: {} }] }, say('Found it.'));
    const events = await stream(chatkit, token, create('Look it up'));
    assert.equal(errorOf(events).length, 0);
    assert.ok(standIn.requests.every(request => request.status === 200), JSON.stringify(standIn.requests.map(request => request.status)));
    assert.ok(inputOf(lastRequest()).some(item => item.type === 'reasoning' && item.encrypted_content));
  });

  test('retrying a message forgets the stored response and sends the thread again', async () => {
    const { chatkit } = agentServer({ agent: plainAgent() });
    script(say('One.'), say('Two.'), say('Two again.'));
    const first = await stream(chatkit, token, create('First'));
    const threadId = threadIdOf(first);
    const second = await stream(chatkit, token, addMessage(threadId, 'Second'));
    const userItem = doneItems(second).find(item => item.type === 'user_message')!;
    await stream(chatkit, token, { type: 'threads.retry_after_item', params: { thread_id: threadId, item_id: userItem.id } });
    const retry = lastRequest();
    assert.equal(retry.previous_response_id, undefined);
    assert.deepEqual(inputOf(retry).map(item => item.role), ['user', 'assistant', 'user']);
    assert.equal(standIn.requests.at(-1)!.status, 200);
  });
});
