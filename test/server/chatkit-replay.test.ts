// The reference replayed: every request of chatkit-schema/reference-transcript-full.txt (chatkit-python
// 1.6.5) sent to createChatKitServer, with scripted hooks doing what each section's title says, and
// each answer compared with the reference's section by section (chatkit-reference.ts): event types and
// order, update kinds, the fields present and their order, the values, and what is stored; ids and
// timestamps aside. Every answer and event is also checked against the JSON Schemas. Where we answer
// otherwise on purpose, DIFFERENCES says how and why, and the test checks our answer instead.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  addWorkflowTask,
  assistantMessageItem,
  clientEffect,
  clientToolCall,
  CustomStreamError,
  defaultGenerateId,
  endWorkflow,
  hiddenContext,
  itemAdded,
  itemDone,
  itemRemoved,
  itemReplaced,
  MemoryStore,
  notice,
  progress,
  streamAssistantMessage,
  StreamError,
  streamWidget,
  structuredInput,
  updateWorkflowTask,
  workflowItem,
} from '../../src/server/index.js';
import type {
  Annotation,
  Attachment,
  AttachmentStore,
  ChatKitContext,
  ChatKitServerOptions,
  ThreadItem,
  ThreadMetadata,
  ThreadStreamEvent,
  WidgetItem,
  WidgetRoot,
} from '../../src/server/index.js';
import { issuer, parseEvents, testChatKit } from './chatkit-harness.js';
import type { TestChatKit } from './chatkit-harness.js';
import { assertSameShape, IdMap, readTranscript } from './chatkit-reference.js';
import type { Section } from './chatkit-reference.js';
import { assertValid, schemas } from './schemas.js';

const USER = 'user_123';

// -- the scripted hooks -------------------------------------------------------------------------------

const approveCard = (status: Record<string, unknown>, disabled: boolean): WidgetRoot =>
  ({
    type: 'Card',
    children: [
      { id: 'status', type: 'Text', ...status },
      {
        type: 'Button',
        label: 'Approve',
        onClickAction: { type: 'demo.approve', payload: { ticket: 42 }, handler: 'server', loadingBehavior: 'auto', streaming: true },
        style: 'primary',
        ...(disabled && { disabled: true }),
      },
      {
        type: 'Button',
        label: 'Snooze 10 min',
        onClickAction: { type: 'demo.snooze', payload: { minutes: 10 }, handler: 'server', loadingBehavior: 'auto', streaming: false },
        ...(disabled && { disabled: true }),
      },
    ],
  }) as unknown as WidgetRoot;

const countdown = (progressValue: string, streaming: boolean, log: string, markdown: string, button: string): WidgetRoot =>
  ({
    type: 'Card',
    children: [
      { id: 'progress', type: 'Text', value: progressValue, streaming },
      { id: 'log', type: 'Text', value: log },
      { type: 'Markdown', value: markdown },
      { type: 'Button', label: button, onClickAction: { type: 'demo.dismiss', handler: 'server', loadingBehavior: 'auto', streaming: true } },
    ],
  }) as unknown as WidgetRoot;

async function* countdownRoots(): AsyncGenerator<WidgetRoot> {
  yield countdown('', true, 'Log:', '', 'Cancel');
  yield countdown('Step 1', true, 'Log:', 'Working', 'Cancel');
  yield countdown('Step 1', true, 'Log: a', 'Working', 'Cancel');
  yield countdown('Step 1 · step 2', true, 'Log: a', 'Working', 'Cancel');
  yield countdown('Step 1 · step 2 · done.', false, 'Log: a b', 'Working, done', 'Dismiss');
}

const annotations: Annotation[] = [
  {
    type: 'annotation',
    source: { title: 'Acme annual report', description: 'Revenue table, p. 4', type: 'url', url: 'https://example.com/acme-2025.pdf', attribution: 'example.com' },
    index: 28,
  },
  { type: 'annotation', source: { title: 'Acme Corp', type: 'entity', id: 'ent_acme', icon: 'suitcase', label: 'Company', inline_label: 'Acme', interactive: true, data: { crm_id: 991 } }, index: 4 },
  { type: 'annotation', source: { title: 'notes.txt', type: 'file', filename: 'notes.txt' } },
];

const base = (thread: ThreadMetadata, type: Parameters<typeof defaultGenerateId>[0] = 'message') => ({
  id: defaultGenerateId(type),
  thread_id: thread.id,
  created_at: new Date().toISOString(),
});

/** An assistant message started, its part holding `first`, then `more` as a delta (the failing replies). */
function* partialMessage(thread: ThreadMetadata, first: string, more: string): Generator<ThreadStreamEvent> {
  const id = defaultGenerateId('message');
  yield itemAdded({ id, thread_id: thread.id, created_at: new Date().toISOString(), type: 'assistant_message', content: [] });
  yield { type: 'thread.item.updated', item_id: id, update: { type: 'assistant_message.content_part.added', content_index: 0, content: { annotations: [], text: first, type: 'output_text' } } };
  yield { type: 'thread.item.updated', item_id: id, update: { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: more } };
}

const firstText = (item: ThreadItem | null) => (item?.type === 'user_message' && item.content[0]?.type === 'input_text' ? item.content[0].text : '');

const hooks: Pick<ChatKitServerOptions, 'respond' | 'action' | 'syncAction' | 'transcribe' | 'addFeedback'> & { feedback: unknown[] } = {
  feedback: [],
  async *respond(thread, input, context) {
    if (input === null) {
      yield* resume(thread, context);
      return;
    }
    switch (firstText(input)) {
      case 'hello':
        yield progress('Thinking…', 'sparkle');
        yield* streamAssistantMessage(thread, ['Hello', ', ', 'world', '!']);
        thread.title = 'Greeting';
        return;
      case 'widget':
        yield* streamWidget(thread, approveCard({ value: 'Deploy build #42 to production?' }, false), { copyText: 'Deploy build #42 to production?' });
        return;
      case 'countdown':
        yield* streamWidget(thread, countdownRoots());
        return;
      case 'workflow': {
        yield progress('Looking up your order…', 'search');
        const workflow = workflowItem(thread, { type: 'custom', tasks: [{ status_indicator: 'loading', type: 'custom', title: 'Look up order #42', icon: 'search' }] });
        yield itemAdded(workflow);
        yield updateWorkflowTask(workflow, 0, { status_indicator: 'complete', type: 'custom', title: 'Look up order #42', icon: 'search', content: 'Shipped 2 days ago' });
        yield addWorkflowTask(workflow, { status_indicator: 'complete', type: 'thought', title: 'Reasoning', content: 'The carrier page has the latest scan.' });
        yield addWorkflowTask(workflow, {
          status_indicator: 'complete',
          type: 'web_search',
          title: 'Searching the web',
          title_query: 'order 42 tracking',
          queries: ['acme tracking 42'],
          sources: [{ title: 'Acme tracking', type: 'url', url: 'https://track.example.com/42' }],
        });
        yield progress('Writing the answer…');
        yield endWorkflow(workflow, { summary: { duration: 1 } });
        yield itemDone({ ...base(thread, 'task'), type: 'task', task: { status_indicator: 'complete', type: 'custom', title: 'Tracking link emailed', icon: 'mail' } });
        yield* streamAssistantMessage(thread, ['Your order ', 'shipped 2 days ago.']);
        return;
      }
      case 'cite sources about ':
        yield* streamAssistantMessage(thread, ['Acme', ' grew revenue 12% in 2025', ' (see notes).', { annotations }]);
        return;
      case 'image': {
        const item = { ...base(thread), type: 'generated_image' as const };
        yield itemAdded(item);
        yield { type: 'thread.item.updated', item_id: item.id, update: { type: 'generated_image.updated', image: { id: 'ig_1', url: 'data:image/png;base64,iVBORw0KGgo=' }, progress: 0.5 } };
        yield { type: 'thread.item.updated', item_id: item.id, update: { type: 'generated_image.updated', image: { id: 'ig_1', url: 'https://images.example.com/ig_1.png' }, progress: 1 } };
        yield itemDone({ ...item, image: { id: 'ig_1', url: 'https://images.example.com/ig_1.png' } });
        return;
      }
      case 'notice':
        yield notice('warning', 'You have **3** messages left today. [Upgrade](https://example.com/upgrade)', 'Heads up');
        yield notice('info', 'No title on this one.');
        yield clientEffect('highlight', { selector: '#plan', ms: 1500 });
        yield clientEffect('confetti');
        yield progress('Almost there');
        yield itemDone(assistantMessageItem(thread, 'Done-only message.'));
        yield itemDone({ ...base(thread), type: 'end_of_turn' });
        return;
      case 'hidden':
        yield hiddenContext(thread, { customer_tier: 'gold', note: 'any JSON is allowed here' });
        yield itemDone({ ...base(thread, 'sdk_hidden_context'), type: 'sdk_hidden_context', content: 'string-only hidden context' });
        yield* streamAssistantMessage(thread, ['Noted.']);
        return;
      case 'tool':
        yield progress('Asking your browser…', 'desktop');
        yield clientToolCall(thread, { name: 'get_page_info', arguments: { fields: ['title', 'url'] }, callId: 'call_page_info_1' });
        return;
      case 'ask':
        yield structuredInput(thread, [
          { id: 'size', question: 'Which size?', type: 'multiple_choice', options: [{ value: 'S' }, { value: 'M' }, { value: 'L' }], multiple: false },
          { id: 'toppings', question: 'Toppings?', type: 'multiple_choice', options: [{ value: 'olives' }, { value: 'basil' }, { value: 'chili' }], multiple: true },
          { id: 'notes', question: 'Anything else?', type: 'freeform', description: 'Optional' },
        ]);
        return;
      case 'fail custom':
        yield* partialMessage(thread, 'Let me ch', 'eck…');
        throw new CustomStreamError('The weather service is down. Try again in a minute.', { allowRetry: true });
      case 'fail code':
        yield progress('Working…');
        throw new StreamError({ allowRetry: false });
      case 'fail crash':
        yield* partialMessage(thread, 'Let me ch', 'eck…');
        throw new Error('database connection lost');
      case 'long': {
        yield itemAdded(workflowItem(thread, { type: 'custom', tasks: [{ status_indicator: 'loading', type: 'custom', title: 'Drafting' }] }));
        const id = defaultGenerateId('message');
        yield itemAdded({ id, thread_id: thread.id, created_at: new Date().toISOString(), type: 'assistant_message', content: [] });
        yield { type: 'thread.item.updated', item_id: id, update: { type: 'assistant_message.content_part.added', content_index: 0, content: { annotations: [], text: '', type: 'output_text' } } };
        for (const delta of ['Once ', 'upon ', 'a ']) yield { type: 'thread.item.updated', item_id: id, update: { type: 'assistant_message.content_part.text_delta', content_index: 0, delta } };
        // a slow model: nothing more until the client leaves
        await new Promise(resolve => context.signal.addEventListener('abort', resolve, { once: true }));
        return;
      }
      case 'lock':
        yield itemDone(assistantMessageItem(thread, 'This thread is now locked.'));
        thread.status = { type: 'locked', reason: 'Archived by an admin' };
        thread.allowed_image_domains = ['images.example.com'];
        return;
      case 'agent':
        yield* agentReply(thread);
        return;
      case 'agent tool':
        yield progress('get_page_info', 'desktop');
        yield itemDone({ id: 'fc_0001', thread_id: thread.id, created_at: new Date().toISOString(), type: 'client_tool_call', status: 'pending', call_id: 'call_0001', name: 'get_page_info', arguments: { fields: ['title'] } });
        return;
      default:
        throw new Error(`no script for ${JSON.stringify(firstText(input))}`);
    }
  },
  async *action(thread, action, sender) {
    switch (action.type) {
      case 'demo.approve': {
        assert.ok(sender);
        yield { type: 'thread.item.updated', item_id: sender.id, update: { type: 'widget.component.updated', component_id: 'status', component: { id: 'status', type: 'Text', value: 'Approved ✓', color: 'success' } } };
        yield itemReplaced({ ...sender, widget: approveCard({ value: 'Approved ✓', color: 'success' }, true) });
        yield* streamAssistantMessage(thread, ['Deploy ', 'approved.']);
        return;
      }
      case 'demo.refresh':
        assert.equal(sender, null);
        yield progress('Refreshing…', 'reload');
        yield itemDone(assistantMessageItem(thread, 'Refreshed (action without a sender item).'));
        return;
      case 'demo.dismiss':
        assert.ok(sender);
        yield itemRemoved(sender.id);
        return;
      default:
        throw new CustomStreamError(`Unknown action ${action.type}`);
    }
  },
  async syncAction(_thread, action, sender) {
    if (action.type === 'demo.snooze' && sender) return { updated_item: { ...sender, widget: approveCard({ value: 'Snoozed for 10 minutes', color: 'secondary' }, false) } };
    return {};
  },
  async transcribe(audio) {
    assert.equal(audio.mediaType, 'audio/webm');
    assert.deepEqual([...audio.data.subarray(0, 4)], [0x1a, 0x45, 0xdf, 0xa3]);
    assert.equal(new TextDecoder().decode(audio.data.subarray(4)), ' fake webm bytes');
    return { text: 'Show me my open tickets' };
  },
  async addFeedback(threadId, itemIds, kind) {
    hooks.feedback.push({ threadId, itemIds, kind });
  },
};

/** After a tool output or a form answer: read the newest item and say what came back. */
async function* resume(thread: ThreadMetadata, context: ChatKitContext): AsyncGenerator<ThreadStreamEvent> {
  const [last] = (await store.loadThreadItems(thread.id, undefined, 1, 'desc', context)).data;
  if (last?.type === 'client_tool_call') {
    yield* streamAssistantMessage(thread, ['The page is ', `'${(last.output as { title: string }).title}'`]);
  } else if (last?.type === 'structured_input') {
    const answers = last.inputs.map(question => `${question.id}=${question.answer?.skipped ? 'skipped' : question.answer?.values.join(',')}`);
    yield* streamAssistantMessage(thread, [`Thanks (${last.status}): `, answers.join('; ')]);
  } else {
    throw new Error(`nothing to resume after ${last?.type}`);
  }
}

/** What chatkit.agents.stream_agent_response made of the scripted run (the bridge itself is the agents branch's). */
async function* agentReply(thread: ThreadMetadata): AsyncGenerator<ThreadStreamEvent> {
  const reasoning = workflowItem(thread, { type: 'reasoning' });
  yield itemAdded(reasoning);
  yield addWorkflowTask(reasoning, { status_indicator: 'none', type: 'thought', content: 'Checking' });
  yield updateWorkflowTask(reasoning, 0, { status_indicator: 'none', type: 'thought', content: 'Checking the docs.' });
  yield updateWorkflowTask(reasoning, 0, { status_indicator: 'none', type: 'thought', content: 'Checking the docs.' });
  yield progress('Searching the docs…', 'globe');
  yield endWorkflow(reasoning, { summary: { duration: 1 } });
  const id = 'msg_resp_0001';
  const message = { id, thread_id: thread.id, created_at: new Date().toISOString(), type: 'assistant_message' as const, content: [] };
  yield itemAdded(message);
  const update = (value: unknown) => ({ type: 'thread.item.updated', item_id: id, update: value }) as ThreadStreamEvent;
  yield update({ type: 'assistant_message.content_part.added', content_index: 0, content: { annotations: [], text: '', type: 'output_text' } });
  for (const delta of ['The limit is ', '60 requests', ' per minute.']) yield update({ type: 'assistant_message.content_part.text_delta', content_index: 0, delta });
  const citation: Annotation = { type: 'annotation', source: { title: 'Rate limits', type: 'url', url: 'https://docs.example.com/limits' }, index: 26 };
  yield update({ type: 'assistant_message.content_part.annotation_added', content_index: 0, annotation_index: 0, annotation: citation });
  yield update({ type: 'assistant_message.content_part.done', content_index: 0, content: { annotations: [], text: 'The limit is 60 requests per minute.', type: 'output_text' } });
  yield itemDone({ ...message, created_at: new Date().toISOString(), content: [{ annotations: [citation], text: 'The limit is 60 requests per minute.', type: 'output_text' }] });
  yield itemDone({ ...base(thread), type: 'widget', widget: { type: 'Card', children: [{ type: 'Text', value: '60 req/min' }] } as WidgetItem['widget'], copy_text: '60 req/min' });
}

/** The reference harness's AttachmentStore: a two-phase upload descriptor (POST for files, PUT with headers for images), metadata kept server-side. */
const attachmentStore: AttachmentStore & { deleted: string[] } = {
  deleted: [],
  generateAttachmentId: () => defaultGenerateId('attachment'),
  async createAttachment({ name, size, mimeType }, context): Promise<Attachment> {
    const id = defaultGenerateId('attachment');
    const metadata = { storage_key: `${context.user.sub}/${id}`, size };
    if (mimeType.startsWith('image/')) {
      return {
        id,
        name,
        mime_type: mimeType,
        upload_descriptor: { url: `https://files.example.com/upload/${id}`, method: 'PUT', headers: { 'x-upload-token': 'tok_demo', 'content-type': mimeType } },
        metadata,
        type: 'image',
        preview_url: `https://files.example.com/preview/${id}`,
      };
    }
    return { id, name, mime_type: mimeType, upload_descriptor: { url: `https://files.example.com/upload/${id}`, method: 'POST', headers: {} }, metadata, type: 'file' };
  },
  async deleteAttachment(id) {
    attachmentStore.deleted.push(id);
  },
};

const store = new MemoryStore();

// -- what we answer otherwise, on purpose ----------------------------------------------------------------

interface Difference {
  why: string;
  /** Our answer: the status and `code` of a JSON refusal, or a check of our own. */
  refusal?: { status: number; code: string };
  check?(section: Section, response: Response, run: Replay): Promise<void>;
}

const NO_HALF_STREAMS = 'checked before the stream starts: a 4xx JSON answer, nothing stored (the reference raises inside a 200 stream, or after some of it)';

const DIFFERENCES: Record<string, Difference> = {
  'items.list pagination: limit 3, order desc': {
    why: 'hidden items are filtered before paging, so a page is full (the reference filters after: 1 item of 3, `after` a hidden id)',
    async check(_section, response, run) {
      const page = (await run.json(response)) as { data: ThreadItem[]; has_more: boolean; after: string };
      assert.deepEqual(
        page.data.map(item => item.type),
        ['assistant_message', 'user_message', 'end_of_turn'],
      );
      assert.equal(page.has_more, true);
      assert.equal(page.after, page.data[2]!.id);
      run.cursor = page.after;
    },
  },
  'items.list pagination: the next page (after = previous page\'s after)': {
    why: 'continues after the last visible item of the full page before',
    async check(_section, _response, run) {
      const next = await run.kit.json<{ data: ThreadItem[]; has_more: boolean }>({ type: 'items.list', params: { thread_id: run.ids.get('thr_bf7264c3'), limit: 3, order: 'desc', after: run.cursor } }, USER);
      assert.deepEqual(
        next.data.map(item => (item.type === 'assistant_message' ? item.content[0]!.text : item.type)),
        ['Done-only message.', 'user_message', 'generated_image'],
      );
      assert.equal(next.has_more, true);
    },
  },
  'threads.get_by_id: the thread with its first 20 items (asc), hidden ones filtered after paging': {
    why: 'the first 20 visible items (the reference: 19, the 20th being hidden, with has_more)',
    async check(section, response, run) {
      const thread = (await run.json(response)) as { items: { data: ThreadItem[]; has_more: boolean } };
      const reference = section.json![0] as { items: { data: unknown[] } };
      assert.equal(thread.items.data.length, 20);
      assert.equal(thread.items.has_more, false, 'the thread has 20 visible items in all');
      assertSameShape(reference.items.data, thread.items.data.slice(0, 19), run.ids, 'items');
      assert.equal(thread.items.data[19]!.type, 'assistant_message');
    },
  },
  'items.list: limit 0 (falsy: DEFAULT_PAGE_SIZE 20 is used), default order desc': {
    why: 'hidden items are filtered before paging: 20 visible items, all there are (the reference: 18 of its 20, has_more and a cursor)',
    async check(section, response, run) {
      const page = (await run.json(response)) as { data: ThreadItem[]; has_more: boolean; after?: string };
      const reference = section.json![0] as { data: unknown[] };
      assert.equal(page.data.length, 20);
      assertSameShape(reference.data, page.data.slice(0, 18), run.ids, 'items');
      assert.deepEqual([page.has_more, page.after], [false, undefined]);
    },
  },
  'threads.add_client_tool_output with no pending call (bad input)': { why: NO_HALF_STREAMS, refusal: { status: 409, code: 'no_pending_tool_call' } },
  'threads.add_structured_input on an item that is no longer pending (bad input)': { why: NO_HALF_STREAMS, refusal: { status: 409, code: 'not_pending' } },
  'threads.add_structured_input on a user message (bad input)': { why: NO_HALF_STREAMS, refusal: { status: 400, code: 'not_structured_input' } },
  'threads.get_by_id on the deleted thread (bad input)': { why: 'NotFoundError is a 404 JSON', refusal: { status: 404, code: 'not_found' } },
  'bad input: malformed JSON body': { why: 'a ValidationError from process() is a 400 JSON', refusal: { status: 400, code: 'invalid_json' } },
  'bad input: unknown request type': { why: 'a ValidationError from process() is a 400 JSON', refusal: { status: 400, code: 'unknown_request_type' } },
  'bad input: known type, params missing': { why: 'a ValidationError from process() is a 400 JSON', refusal: { status: 400, code: 'invalid_request' } },
  'bad input: wrong param type': { why: 'a ValidationError from process() is a 400 JSON', refusal: { status: 400, code: 'invalid_request' } },
  'bad input: items.feedback with an unknown kind': { why: 'a ValidationError from process() is a 400 JSON', refusal: { status: 400, code: 'invalid_request' } },
  'bad input: threads.get_by_id for a thread that does not exist': { why: 'NotFoundError is a 404 JSON', refusal: { status: 404, code: 'not_found' } },
  'bad input: items.list for a thread that does not exist (the Store decides)': {
    why: "our stores refuse an unknown (or another user's) thread: 404, as get_by_id (the reference's sample store answers an empty page)",
    refusal: { status: 404, code: 'not_found' },
  },
  'bad input: threads.add_user_message to a thread that does not exist': { why: NO_HALF_STREAMS, refusal: { status: 404, code: 'not_found' } },
  'bad input: threads.create with an attachment id that does not exist (thread.created was already sent)': {
    why: `${NO_HALF_STREAMS}; no empty thread is left behind`,
    refusal: { status: 404, code: 'not_found' },
  },
  'bad input: threads.custom_action with a non-widget item as sender': { why: NO_HALF_STREAMS, refusal: { status: 400, code: 'not_widget' } },
  'bad input: threads.custom_action with an item id that does not exist': { why: NO_HALF_STREAMS, refusal: { status: 404, code: 'not_found' } },
  'bad input: threads.sync_custom_action with a non-widget item as sender': { why: 'a ValueError from process() is a 400 JSON', refusal: { status: 400, code: 'not_widget' } },
  'bad input: threads.retry_after_item on an assistant message': { why: NO_HALF_STREAMS, refusal: { status: 400, code: 'not_user_message' } },
  'bad input: threads.retry_after_item with an item id that does not exist': {
    why: 'an unknown item is a 404 JSON (the reference answers an empty 200 stream)',
    refusal: { status: 404, code: 'not_found' },
  },
  'bad input: threads.add_client_tool_output when the last item is not a client tool call': { why: NO_HALF_STREAMS, refusal: { status: 409, code: 'no_pending_tool_call' } },
  'bad input: input.transcribe with invalid base64': { why: 'a binascii.Error from process() is a 400 JSON', refusal: { status: 400, code: 'invalid_request' } },
  'bare server: attachments.create without an AttachmentStore': { why: 'a server without an AttachmentStore says so: 400 JSON (the reference raises RuntimeError, a 500)', refusal: { status: 400, code: 'not_supported' } },
  'bare server: input.transcribe with the default transcribe()': { why: 'no transcribe hook: 400 JSON (the reference raises NotImplementedError, a 500)', refusal: { status: 400, code: 'not_supported' } },
  'bare server: threads.custom_action with the default action()': {
    why: 'no action hook: 400 JSON before any stream (the reference streams stream_options then a stream.error)',
    refusal: { status: 400, code: 'not_supported' },
  },
  'bare server: threads.sync_custom_action with the default sync_action()': { why: 'no syncAction hook: 400 JSON (the reference raises NotImplementedError, a 500)', refusal: { status: 400, code: 'not_supported' } },
  '[store] thread D after aclose(): handle_stream_cancelled never ran, nothing of the reply was saved': {
    why: 'the client leaving is one thing here, however the stream is closed: the hidden note is stored as after a cancel (no text had been sent, so no partial message)',
    async check(section, _response, run) {
      const stored = await run.storedItems('thr_818d22f4');
      assertSameShape(section.json, stored.slice(0, 1), run.ids, 'stored');
      assert.equal(stored.length, 2);
      assert.deepEqual(
        { type: stored[1]!.type, content: (stored[1] as { content: string }).content },
        { type: 'sdk_hidden_context', content: 'The user cancelled the stream. Stop responding to the prior request.' },
      );
      run.extraNotes.push(stored[1]!.id);
    },
  },
  '[helper] chatkit.agents.ThreadItemConverter().to_agent_input() over thread D\'s stored items (how the cancel note reaches the model)': {
    why: 'the Agents SDK bridge is tested by the agents branch (test/server/agents*.test.ts)',
    async check() {},
  },
};

// -- the replay ---------------------------------------------------------------------------------------

class Replay {
  readonly ids = new IdMap();
  cursor: string | undefined;
  /** Our hidden notes the reference does not have (after its aclose()), left out of later store comparisons. */
  readonly extraNotes: string[] = [];
  constructor(
    readonly kit: TestChatKit,
    readonly bare: TestChatKit,
  ) {}

  readonly context: ChatKitContext = { user: { sub: USER, claims: { sub: USER } }, request: new Request('https://api.test/'), signal: new AbortController().signal };

  async json(response: Response): Promise<unknown> {
    assert.equal(response.status, 200, await response.clone().text());
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    return response.json();
  }

  async storedItems(referenceThread: string): Promise<ThreadItem[]> {
    const threadId = this.ids.get(referenceThread);
    assert.ok(threadId, `thread ${referenceThread} was made`);
    const items = (await store.loadThreadItems(threadId, undefined, 1000, 'asc', this.context)).data;
    return items.filter(item => !this.extraNotes.includes(item.id));
  }
}

/** The schema of a non-streamed answer, by request type. */
const answerSchemas: Record<string, keyof typeof schemas | undefined> = {
  'threads.get_by_id': 'thread',
  'threads.update': 'thread',
  'threads.list': 'threadsPage',
  'items.list': 'itemsPage',
  'attachments.create': 'attachment',
  'threads.sync_custom_action': 'syncCustomActionResponse',
  'input.transcribe': 'transcriptionResult',
};

const chunksBeforeLeaving = (title: string) => Number(/(?:after |\()(\d+) chunks/.exec(title)?.[1] ?? NaN);

describe('the reference transcript replayed (chatkit-python 1.6.5)', () => {
  const sections = readTranscript();
  let run: Replay;

  before(async () => {
    const keys = await issuer();
    const kit = await testChatKit({ store, attachmentStore, ...hooks }, keys);
    const bare = await testChatKit({ store: new MemoryStore(), respond: async function* (thread) { yield itemDone(assistantMessageItem(thread, 'ok')); } }, keys);
    run = new Replay(kit, bare);
  });
  after(() => run.kit.chatkit.close());

  test('the transcript has every request type and the sections this test knows', () => {
    const types = new Set(sections.flatMap(section => /^\{"type":"([^"]+)"/.exec(section.request ?? '')?.[1] ?? []));
    assert.equal(types.size, 17, [...types].join(', ')); // the 16 and threads.nope
    for (const title of Object.keys(DIFFERENCES)) assert.ok(sections.some(section => section.title === title), `no section "${title}"`);
  });

  for (const section of sections) {
    test(section.title, async () => {
      const difference = DIFFERENCES[section.title];
      if (section.title.startsWith('[')) {
        if (difference?.check) return difference.check(section, new Response(), run);
        return compareStore(section, run);
      }
      assert.ok(section.request, 'a request');
      if (section.title.includes('upload route')) return;
      const kit = section.title.startsWith('bare server') ? run.bare : run.kit;
      const body = run.ids.rewrite(section.request);
      const response = await kit.post(body, USER);

      if (difference?.refusal) {
        const text = await response.text();
        assert.equal(response.status, difference.refusal.status, `${difference.why}: ${text}`);
        assert.equal((JSON.parse(text) as { code: string }).code, difference.refusal.code);
        assert.doesNotMatch(text, /at .*\.ts:\d+|Error:/, 'no stack trace');
        return;
      }
      if (difference?.check) return difference.check(section, response, run);
      assert.ok(!section.raised, `the reference raised (${section.raised}): list the section in DIFFERENCES`);

      const type = (JSON.parse(body) as { type: string }).type;
      if (section.events) {
        const leaveAfter = chunksBeforeLeaving(section.title);
        const events = Number.isNaN(leaveAfter) ? parseEvents(await response.text()) : await readThenLeave(response, leaveAfter);
        for (const event of events) assertValid(schemas.streamEvent, event, `${type} event`);
        assertSameShape(section.events, events, run.ids, 'events');
        return;
      }
      const answer = await run.json(response);
      const schema = answerSchemas[type];
      if (schema) assertValid(schemas[schema], answer, `${type} answer`);
      assertSameShape(section.json![0], answer, run.ids, 'answer');
      if (type === 'items.feedback' && !section.title.startsWith('bare')) {
        assert.deepEqual(hooks.feedback.at(-1), { threadId: run.ids.get('thr_bf7264c3'), itemIds: [run.ids.get('msg_9a965e24'), run.ids.get('msg_e20a21d6')], kind: 'positive' });
      }
      if (type === 'attachments.delete' && !section.title.startsWith('bad input')) assert.deepEqual(attachmentStore.deleted, [run.ids.get('atc_aefbf62e')]);
      if (section.title === 'bad input: attachments.delete of an unknown id') {
        assert.equal(attachmentStore.deleted.length, 1, 'an unknown id never reaches the AttachmentStore (the reference calls it)');
      }
    });
  }
});

/** Reads `count` events, then leaves as a client closing the page would; resolves once the server has saved what it keeps. */
async function readThenLeave(response: Response, count: number): Promise<ThreadStreamEvent[]> {
  assert.equal(response.status, 200);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (text.split('\n\n').length - 1 < count) {
    const { done, value } = await reader.read();
    assert.ok(!done, 'the stream went on');
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return parseEvents(text);
}

/** `[store]` sections: what the reference's Store held, against ours. */
async function compareStore(section: Section, run: Replay): Promise<void> {
  const request = section.request ?? '';
  if (request.includes('Store contents of')) {
    const [threadId] = /thr_[0-9a-f]{8}/.exec(request)!;
    return assertSameShape(section.json, await run.storedItems(threadId), run.ids, 'stored');
  }
  const item = /load_item\((thr_[0-9a-f]{8}), (msg_[0-9a-f]{8})\)/.exec(request);
  if (item) return assertSameShape(section.json![0], await store.loadItem(run.ids.get(item[1]!)!, run.ids.get(item[2]!)!, run.context), run.ids, 'stored');
  // the attachments: first the upload route's save (the harness cleared the file's upload_descriptor)
  if (request.includes('upload_descriptor')) {
    const file = await store.loadAttachment(run.ids.get('atc_01e1cea8')!, run.context);
    const { upload_descriptor: _cleared, ...uploaded } = file;
    await store.saveAttachment(uploaded as Attachment, run.context);
  }
  const stored = [];
  for (const reference of section.json as { id: string }[]) stored.push(await store.loadAttachment(run.ids.get(reference.id)!, run.context));
  assertSameShape(section.json, stored, run.ids, 'stored');
}
