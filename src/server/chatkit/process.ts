// The protocol: one parsed request and its verified context in, a stream of events or one JSON value
// out (chatkit-python 1.6.5's `ChatKitServer.process`, server.py 430-1063). Everything a request can
// be refused for is checked before its stream starts, so a bad request is a 4xx JSON answer and
// stores nothing; failures after that are the in-band `error` event.
import type { ChatKitContext } from './context.js';
import { ChatKitHttpError, CustomStreamError, StreamError } from './errors.js';
import { DEFAULT_PAGE_SIZE } from './parse.js';
import { NotFoundError } from './store.js';
import type { Store } from './store.js';
import type { ChatKitLogEntry, ChatKitServerOptions } from './server.js';
import type {
  Attachment,
  AssistantMessageContent,
  AssistantMessageItem,
  ChatKitRequest,
  ClientToolCallItem,
  ErrorEvent,
  Page,
  SortOrder,
  StructuredInputItem,
  StructuredInputSubmission,
  ThreadItem,
  ThreadItemUpdatedEvent,
  ThreadMetadata,
  ThreadStreamEvent,
  UserMessageInput,
  UserMessageItem,
  WidgetItem,
} from './types.js';
import { attachmentInThread, attachmentResponse, isHidden, threadFields, threadFieldsChanged, threadResponse } from './wire.js';

/** The hooks, as createChatKitServer's options name them, and where failures are logged. */
export type Hooks<C extends ChatKitContext> = Pick<
  ChatKitServerOptions<C>,
  'store' | 'attachmentStore' | 'respond' | 'action' | 'syncAction' | 'transcribe' | 'addFeedback' | 'getStreamOptions'
> & { log(entry: ChatKitLogEntry): void };

/**
 * Where a stream's events go, each as soon as it is produced and persisted. A promise back means
 * "no more for now" (backpressure): the stream waits for it before it asks the hook for more.
 */
export type Emit = (event: ThreadStreamEvent) => void | Promise<void>;

/**
 * A streamed reply, run once: resolves when it has ended (after a stop, once what the user saw is
 * saved); rejects only for a failure before the hook runs (a store call of the request itself).
 */
export type Stream = (emit: Emit) => Promise<void>;

export type Processed = { streaming: true; stream: Stream } | { streaming: false; value: unknown };

/** The note chatkit-python 1.4+ stores when the user stops a reply. */
export const CANCELLED_NOTE = 'The user cancelled the stream. Stop responding to the prior request.';

const notSupported = (what: string) => new ChatKitHttpError(400, 'not_supported', `This server does not support ${what}.`);
const now = () => new Date().toISOString();

export async function processRequest<C extends ChatKitContext>(hooks: Hooks<C>, request: ChatKitRequest, context: C): Promise<Processed> {
  const { store } = hooks;
  const stream = (run: Stream): Processed => ({ streaming: true, stream: run });
  const json = (value: unknown): Processed => ({ streaming: false, value });

  switch (request.type) {
    case 'threads.create': {
      const { input } = request.params;
      const attachments = await loadAttachments(store, input, context);
      return stream(createThread(hooks, input, attachments, context));
    }
    case 'threads.add_user_message': {
      const { input, thread_id } = request.params;
      const thread = await store.loadThread(thread_id, context);
      const attachments = await loadAttachments(store, input, context);
      return stream(addUserMessage(hooks, thread, input, attachments, context));
    }
    case 'threads.add_client_tool_output': {
      const thread = await store.loadThread(request.params.thread_id, context);
      const recent = await store.loadThreadItems(thread.id, undefined, DEFAULT_PAGE_SIZE, 'desc', context);
      const last = recent.data.find(item => !isHidden(item));
      if (last?.type !== 'client_tool_call' || last.status !== 'pending') {
        throw new ChatKitHttpError(409, 'no_pending_tool_call', `The thread's last item is not a pending client tool call.`);
      }
      return stream(addToolOutput(hooks, thread, last, request.params.result, recent.data, context));
    }
    case 'threads.add_structured_input': {
      const { thread_id, item_id, input } = request.params;
      const thread = await store.loadThread(thread_id, context);
      const item = await store.loadItem(thread_id, item_id, context);
      if (item.type !== 'structured_input') throw new ChatKitHttpError(400, 'not_structured_input', `Item ${item_id} is not a structured input.`);
      if (item.status !== 'pending') throw new ChatKitHttpError(409, 'not_pending', `Structured input ${item_id} was already answered.`);
      const answered = applyStructuredInput(item, input, hooks);
      return stream(processEvents(hooks, thread, context, () => prepend({ type: 'thread.item.replaced', item: answered }, hooks.respond(thread, null, context))));
    }
    case 'threads.retry_after_item': {
      const { thread_id, item_id } = request.params;
      const thread = await store.loadThread(thread_id, context);
      const { item, newer } = await itemsAfter(store, thread_id, item_id, context);
      if (item.type !== 'user_message') throw new ChatKitHttpError(400, 'not_user_message', `Item ${item_id} is not a user message.`);
      return stream(retry(hooks, thread, item, newer, context));
    }
    case 'threads.custom_action': {
      const { thread_id, item_id, action } = request.params;
      const thread = await store.loadThread(thread_id, context);
      const sender = item_id === undefined ? null : widgetSender(await store.loadItem(thread_id, item_id, context), 'threads.custom_action');
      const handler = hooks.action;
      if (!handler) throw notSupported('widget actions (threads.custom_action)');
      return stream(processEvents(hooks, thread, context, () => handler(thread, action, sender, context)));
    }
    case 'threads.sync_custom_action': {
      const { thread_id, item_id, action } = request.params;
      const thread = await store.loadThread(thread_id, context);
      const sender = item_id === undefined ? null : widgetSender(await store.loadItem(thread_id, item_id, context), 'threads.sync_custom_action');
      if (!hooks.syncAction) throw notSupported('synchronous widget actions (threads.sync_custom_action)');
      const result = await hooks.syncAction(thread, action, sender, context);
      return json(result?.updated_item ? { updated_item: result.updated_item } : {});
    }
    case 'threads.get_by_id': {
      const thread = await store.loadThread(request.params.thread_id, context);
      return json(threadResponse(thread, await visibleItems(store, thread.id, undefined, DEFAULT_PAGE_SIZE, 'asc', context)));
    }
    case 'threads.list': {
      const { limit, after, order } = request.params;
      const page = await store.loadThreads(limit ?? DEFAULT_PAGE_SIZE, after, order, context);
      return json(pageResponse(page.data.map(thread => threadResponse(thread)), page));
    }
    case 'threads.update': {
      const thread = await store.loadThread(request.params.thread_id, context);
      thread.title = request.params.title;
      await store.saveThread(thread, context);
      return json(threadResponse(thread));
    }
    case 'threads.delete':
      await store.deleteThread(request.params.thread_id, context);
      return json({});
    case 'items.list': {
      const { thread_id, limit, after, order } = request.params;
      return json(await visibleItems(store, thread_id, after, limit ?? DEFAULT_PAGE_SIZE, order, context));
    }
    case 'items.feedback': {
      const { thread_id, item_ids, kind } = request.params;
      await store.loadThread(thread_id, context);
      // only the thread's own items reach the hook: an id of another thread (or user) is dropped
      const known: string[] = [];
      for (const id of item_ids) if (await exists(() => store.loadItem(thread_id, id, context))) known.push(id);
      if (known.length && hooks.addFeedback) await hooks.addFeedback(thread_id, known, kind, context);
      return json({});
    }
    case 'attachments.create': {
      if (!hooks.attachmentStore) throw notSupported('attachments');
      const { name, size, mime_type } = request.params;
      const attachment = await hooks.attachmentStore.createAttachment({ name, size, mimeType: mime_type }, context);
      await store.saveAttachment(attachment, context);
      return json(attachmentResponse(attachment));
    }
    case 'attachments.delete': {
      if (!hooks.attachmentStore) throw notSupported('attachments');
      const id = request.params.attachment_id;
      // the bytes are only touched for the caller's own attachment; an unknown id is a no-op, as in the reference
      if (await exists(() => store.loadAttachment(id, context))) {
        await hooks.attachmentStore.deleteAttachment(id, context);
        await store.deleteAttachment(id, context);
      }
      return json({});
    }
    case 'input.transcribe': {
      if (!hooks.transcribe) throw notSupported('dictation (input.transcribe)');
      const { audio_base64, mime_type } = request.params;
      const result = await hooks.transcribe({ data: decodeBase64(audio_base64), mimeType: mime_type, mediaType: mime_type.split(';')[0]!.trim() }, context);
      return json({ text: result.text });
    }
  }
}

async function exists(load: () => Promise<unknown>): Promise<boolean> {
  try {
    await load();
    return true;
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  }
}

function widgetSender(item: ThreadItem, requestType: string): WidgetItem {
  if (item.type !== 'widget') throw new ChatKitHttpError(400, 'not_widget', `${requestType} needs a widget item as the sender; item ${item.id} is a ${item.type}.`);
  return item;
}

function pageResponse<T>(data: T[], page: Page<unknown>): Page<T> {
  return page.has_more && page.after !== undefined ? { data, has_more: true, after: page.after } : { data, has_more: page.has_more };
}

/**
 * A page of the items the client may see. The reference filters hidden items after paging (short
 * pages, `after` a hidden item's id); this reads on until the page is full.
 */
async function visibleItems<C extends ChatKitContext>(store: Store<C>, threadId: string, after: string | undefined, limit: number, order: SortOrder, context: C): Promise<Page<ThreadItem>> {
  const visible: ThreadItem[] = [];
  let cursor = after;
  for (;;) {
    const page = await store.loadThreadItems(threadId, cursor, limit + 1, order, context);
    for (const item of page.data) if (!isHidden(item)) visible.push(item);
    const last = page.data.at(-1);
    if (visible.length > limit || !page.has_more || !last) break;
    cursor = last.id;
  }
  if (visible.length <= limit) return { data: visible, has_more: false };
  const data = visible.slice(0, limit);
  return { data, has_more: true, after: data.at(-1)!.id };
}

/** The input's attachments, each the caller's (NotFoundError otherwise), checked before anything is stored. */
async function loadAttachments<C extends ChatKitContext>(store: Store<C>, input: UserMessageInput, context: C): Promise<Attachment[]> {
  const attachments: Attachment[] = [];
  for (const id of input.attachments) attachments.push(await store.loadAttachment(id, context));
  return attachments;
}

/** The item `itemId` and every item after it, newest first (hidden ones included). */
async function itemsAfter<C extends ChatKitContext>(store: Store<C>, threadId: string, itemId: string, context: C): Promise<{ item: ThreadItem; newer: ThreadItem[] }> {
  const newer: ThreadItem[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.loadThreadItems(threadId, after, 100, 'desc', context);
    for (const item of page.data) {
      if (item.id === itemId) return { item, newer };
      newer.push(item);
    }
    const last = page.data.at(-1);
    if (!page.has_more || !last) throw new NotFoundError(`Item ${itemId} not found in thread ${threadId}`);
    after = last.id;
  }
}

function applyStructuredInput<C extends ChatKitContext>(item: StructuredInputItem, submission: StructuredInputSubmission, hooks: Hooks<C>): StructuredInputItem {
  const answers = submission.answers ?? {};
  const status = submission.status ?? 'answered';
  const known = new Set(item.inputs.map(question => question.id));
  const unknown = Object.keys(answers).filter(id => !known.has(id));
  if (unknown.length) hooks.log({ level: 'warn', message: `Structured input ${item.id} got answers to unknown questions, ignored: ${unknown.sort().join(', ')}`, requestType: 'threads.add_structured_input' });
  const inputs = item.inputs.map(question => {
    const answer = answers[question.id];
    if (status === 'skipped' || !answer || answer.skipped || !answer.values?.length) return { ...question, answer: { values: [], skipped: true } };
    const values = question.type === 'multiple_choice' && !question.multiple ? answer.values.slice(0, 1) : answer.values;
    return { ...question, answer: { values, skipped: false } };
  });
  // answer goes after question, as declared
  return { ...item, status, inputs: inputs.map(({ id, question, answer, ...rest }) => ({ id, question, answer, ...rest })) as StructuredInputItem['inputs'] };
}

function decodeBase64(text: string): Uint8Array {
  const compact = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
    throw new ChatKitHttpError(400, 'invalid_request', 'body.params.audio_base64: expected base64.');
  }
  const binary = atob(compact);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

async function* prepend(first: ThreadStreamEvent, rest: AsyncIterable<ThreadStreamEvent>): AsyncGenerator<ThreadStreamEvent> {
  yield first;
  yield* rest;
}

// -- streams ----------------------------------------------------------------------------------------

function createThread<C extends ChatKitContext>(hooks: Hooks<C>, input: UserMessageInput, attachments: Attachment[], context: C): Stream {
  const { store } = hooks;
  const thread: ThreadMetadata = { id: store.generateThreadId(context), created_at: now(), status: { type: 'active' }, metadata: {} };
  return addUserMessage(hooks, thread, input, attachments, context, async () => {
    await store.saveThread(thread, context);
    return { type: 'thread.created', thread: threadResponse(thread) };
  });
}

function addUserMessage<C extends ChatKitContext>(
  hooks: Hooks<C>,
  thread: ThreadMetadata,
  input: UserMessageInput,
  attachments: Attachment[],
  context: C,
  createThread?: () => Promise<ThreadStreamEvent>,
): Stream {
  const { store } = hooks;
  let item: UserMessageItem | undefined;
  const prelude = async (): Promise<ThreadStreamEvent[]> => {
    const created = createThread && (await createThread());
    const used = attachments.map(attachment => attachmentInThread(attachment, thread.id));
    for (const attachment of used) await store.saveAttachment(attachment, context);
    item = {
      id: store.generateItemId('message', thread, context),
      thread_id: thread.id,
      created_at: now(),
      type: 'user_message',
      content: input.content,
      attachments: used.map(attachmentResponse),
      ...(input.quoted_text !== undefined && { quoted_text: input.quoted_text }),
      inference_options: input.inference_options,
    };
    await store.addThreadItem(thread.id, item, context);
    const done: ThreadStreamEvent = { type: 'thread.item.done', item };
    return created ? [created, done] : [done];
  };
  return processEvents(hooks, thread, context, () => hooks.respond(thread, item!, context), prelude);
}

function addToolOutput<C extends ChatKitContext>(
  hooks: Hooks<C>,
  thread: ThreadMetadata,
  call: ClientToolCallItem,
  output: unknown,
  recent: ThreadItem[],
  context: C,
): Stream {
  const { store } = hooks;
  const prelude = async (): Promise<ThreadStreamEvent[]> => {
    await store.saveItem(thread.id, { ...call, status: 'completed', output }, context);
    // calls left pending by an earlier turn would wait forever: the reference drops them (server.py 800-815)
    for (const item of recent) {
      if (item.type === 'client_tool_call' && item.status === 'pending' && item.id !== call.id) await store.deleteThreadItem(thread.id, item.id, context);
    }
    return [];
  };
  return processEvents(hooks, thread, context, () => hooks.respond(thread, null, context), prelude);
}

function retry<C extends ChatKitContext>(hooks: Hooks<C>, thread: ThreadMetadata, item: UserMessageItem, newer: ThreadItem[], context: C): Stream {
  const prelude = async (): Promise<ThreadStreamEvent[]> => {
    for (const later of newer) await hooks.store.deleteThreadItem(thread.id, later.id, context);
    return [];
  };
  return processEvents(hooks, thread, context, () => hooks.respond(thread, item, context), prelude);
}

/**
 * `stream_options`, then the hook's events, persisted before they are sent (`done` -> addThreadItem,
 * `removed` -> deleteThreadItem, `replaced` -> saveItem), hidden items' `done` swallowed, and
 * `thread.updated` after any event that changed the thread. A throw ends the stream with one `error`
 * event. The client leaving (context.signal) stops the hook and keeps what the user saw: assistant
 * messages with text, then a hidden note saying the user stopped the reply.
 */
function processEvents<C extends ChatKitContext>(
  hooks: Hooks<C>,
  thread: ThreadMetadata,
  context: C,
  start: () => AsyncIterable<ThreadStreamEvent>,
  prelude?: () => Promise<ThreadStreamEvent[]>,
): Stream {
  // pushed to the adapter's writer, not pulled through a generator of our own: a hop less per event
  return emit => runEvents(hooks, thread, context, start, prelude, emit);
}

async function runEvents<C extends ChatKitContext>(
  hooks: Hooks<C>,
  thread: ThreadMetadata,
  context: C,
  start: () => AsyncIterable<ThreadStreamEvent>,
  prelude: (() => Promise<ThreadStreamEvent[]>) | undefined,
  emit: Emit,
): Promise<void> {
  const { store } = hooks;
  const { signal } = context;
  // the request's own writes (the thread, the user's message...) and their events come first
  // a client gone before the hook starts: nothing of a reply to save
  if (prelude) for (const event of await prelude()) await emit(event);
  if (signal.aborted) return;
  await emit({ type: 'stream_options', stream_options: hooks.getStreamOptions?.(thread, context) ?? { allow_cancel: true } });
  if (signal.aborted) return;

  // compared after every event: the few fields thread.updated reports, not the whole thread
  let fields = threadFields(thread);
  const threadUpdated = async (): Promise<ThreadStreamEvent> => {
    await store.saveThread(thread, context);
    return { type: 'thread.updated', thread: threadResponse(thread) };
  };
  const changed = () => {
    if (!threadFieldsChanged(thread, fields)) return false;
    fields = threadFields(thread);
    return true;
  };

  // items added and not yet done, kept up to date, for a stop mid-reply
  const pending = new Map<string, ThreadItem>();
  let iterator: AsyncIterator<ThreadStreamEvent> | undefined;
  // The reply ends once. The client leaving while the hook is awaited ends it at once (the hook may be
  // waiting on a model): the loop is left behind and drops whatever the hook still gives. That costs a
  // flag per event, where racing each wait on the hook cost a promise and a `then`; a client leaving
  // anywhere else is seen at the top of the loop, after the store call or write in progress.
  let over = false;
  let waiting = false;
  return new Promise<void>((resolve, reject) => {
    const end = () => {
      over = true;
      signal.removeEventListener('abort', onAbort);
    };
    const finish = () => {
      end();
      resolve();
    };
    // the reply is over only once what the user saw is saved (close() waits for it, then the store may go)
    const stop = () => {
      end();
      // the hook may be waiting on a model: tell it to stop, without waiting for it
      if (iterator?.return) Promise.resolve(iterator.return()).catch(() => {});
      return saveStopped(store, thread, [...pending.values()], context)
        .catch(error => hooks.log({ level: 'error', message: 'Saving a stopped reply failed', error }))
        .then(resolve);
    };
    const onAbort = () => {
      if (waiting && !over) void stop();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const loop = async () => {
      try {
        iterator = start()[Symbol.asyncIterator]();
        for (;;) {
          if (signal.aborted) return stop();
          waiting = true;
          const next = await iterator.next();
          waiting = false;
          if (over) return;
          if (next.done) break;
          const event = next.value;
          switch (event.type) {
            case 'thread.item.added':
              if (event.item.type === 'assistant_message') pending.set(event.item.id, { ...event.item, content: event.item.content.map(copyPart) });
              break;
            case 'thread.item.updated':
              applyPending(pending, event);
              break;
            case 'thread.item.done':
              await store.addThreadItem(thread.id, event.item, context);
              pending.delete(event.item.id);
              break;
            case 'thread.item.removed':
              await store.deleteThreadItem(thread.id, event.item_id, context);
              pending.delete(event.item_id);
              break;
            case 'thread.item.replaced':
              await store.saveItem(thread.id, event.item, context);
              pending.delete(event.item.id);
              break;
          }
          if (!(event.type === 'thread.item.done' && isHidden(event.item))) {
            const wait = emit(event);
            if (wait) await wait;
          }
          if (changed()) await emit(await threadUpdated());
        }
        over = true;
        if (changed()) await emit(await threadUpdated());
      } catch (error) {
        waiting = false;
        if (over) return;
        over = true;
        await emit(errorEvent(error, hooks));
        if (changed()) {
          const update = await threadUpdated().catch(() => undefined);
          if (update) await emit(update);
        }
      }
      finish();
    };
    // only a failure to send the error event itself gets here
    loop().catch(error => {
      end();
      reject(error);
    });
  });
}

async function saveStopped<C extends ChatKitContext>(store: Store<C>, thread: ThreadMetadata, pending: ThreadItem[], context: C): Promise<void> {
  for (const item of pending) {
    if (item.type === 'assistant_message' && item.content.some(part => part.text.trim())) await store.addThreadItem(thread.id, item, context);
  }
  await store.addThreadItem(
    thread.id,
    { id: store.generateItemId('sdk_hidden_context', thread, context), thread_id: thread.id, created_at: now(), type: 'sdk_hidden_context', content: CANCELLED_NOTE },
    context,
  );
}

/** The pending copy's part: its text and annotation list are changed in place, the annotations themselves never. */
const copyPart = (part: AssistantMessageContent): AssistantMessageContent => ({ ...part, annotations: [...part.annotations] });

function applyPending(pending: Map<string, ThreadItem>, event: ThreadItemUpdatedEvent): void {
  const item = pending.get(event.item_id) as AssistantMessageItem | undefined;
  if (!item) return;
  const { update } = event;
  if (!update.type.startsWith('assistant_message.')) return;
  const index = (update as { content_index: number }).content_index;
  while (item.content.length <= index) item.content.push({ annotations: [], text: '', type: 'output_text' });
  const part = item.content[index]!;
  switch (update.type) {
    case 'assistant_message.content_part.added':
    case 'assistant_message.content_part.done':
      item.content[index] = copyPart(update.content);
      break;
    case 'assistant_message.content_part.text_delta':
      part.text += update.delta;
      break;
    case 'assistant_message.content_part.annotation_added':
      part.annotations.splice(Math.min(update.annotation_index, part.annotations.length), 0, update.annotation);
      break;
  }
}

function errorEvent<C extends ChatKitContext>(error: unknown, hooks: Hooks<C>): ErrorEvent {
  if (error instanceof CustomStreamError) return { type: 'error', code: 'custom', message: error.message, allow_retry: error.allowRetry };
  if (error instanceof StreamError) return { type: 'error', code: 'stream.error', allow_retry: error.allowRetry };
  hooks.log({ level: 'error', message: 'Error while streaming a reply', error });
  return { type: 'error', code: 'stream.error', allow_retry: true };
}
