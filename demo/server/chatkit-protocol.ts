// ChatKit's custom-backend protocol for one verified caller: read and check the request, answer the
// JSON request types, and stream replies as server-sent events in the reference server's order:
//   [thread.created] thread.item.done(user) stream_options progress_update* thread.item.added
//   thread.item.updated(content_part.added, text_delta+, content_part.done) thread.item.done
//   [thread.updated]
// Independent of authentication: the app mounts it behind token verification; a benchmark can
// mount it behind a fixed identity.
import { readBodyLimited } from './body.js';
import { parseChatKitRequest } from './chatkit-requests.js';
import type { ChatKitRequest } from './chatkit-requests.js';
import { itemText, outputText, threadOf } from './chatkit-types.js';
import type { AssistantMessageItem, StreamEvent, ThreadMetadata, UserMessageInput, UserMessageItem } from './chatkit-types.js';
import { HttpError, errorResponse, httpErrorResponse, oneLine } from './http-errors.js';
import type { Responder } from './responders/types.js';
import { newId } from './store.js';
import type { ChatStore } from './store.js';
import type { Identity } from '../../src/server/index.js';

export interface ChatKitHandlerOptions {
  store: ChatStore;
  responder: Responder;
  /** Bodies above this many bytes answer 413 (default 1 MB). */
  maxBodyBytes?: number;
  /** Messages of the thread given to the responder (newest kept). */
  historyLimit?: number;
  /** Where one-line problem reports go (default: console.error). */
  log?: (line: string) => void;
  /** Called when a client abandons a streamed reply. */
  onStreamCancelled?: () => void;
}

export interface ChatKitHandler {
  (request: Request, identity: Identity): Promise<Response>;
  /** Stops every reply still streaming (partial replies are kept) and waits until they are saved. */
  close(): Promise<void>;
}

const THREAD_ITEMS_PAGE = 20;
const MAX_TITLE_LENGTH = 200;

export function createChatKitHandler(options: ChatKitHandlerOptions): ChatKitHandler {
  const { store, responder } = options;
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const historyLimit = options.historyLimit ?? 50;
  const log = options.log ?? (line => console.error(line));
  const streams = new Set<{ abort: AbortController; done: Promise<void> }>();

  const notFound = (what: 'Thread' | 'Item') => new HttpError(404, `${what.toLowerCase()}_not_found`, `${what} not found.`);

  async function ownedThread(sub: string, threadId: string): Promise<ThreadMetadata> {
    const thread = await store.getThread(sub, threadId);
    if (!thread) throw notFound('Thread');
    return thread;
  }

  function json(value: unknown): Response {
    return Response.json(value, { headers: { 'Cache-Control': 'no-store' } });
  }

  /** An SSE response fed by `produce`; aborted when the client goes away or the handler closes. */
  function stream(requestSignal: AbortSignal, produce: (emit: (event: StreamEvent) => void, signal: AbortSignal) => Promise<void>): Response {
    const abort = new AbortController();
    const onClientGone = () => abort.abort();
    requestSignal.addEventListener('abort', onClientGone, { once: true });
    if (requestSignal.aborted) abort.abort();

    const encoder = new TextEncoder();
    let output!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start: controller => {
        output = controller;
      },
      cancel: onClientGone,
    });
    const emit = (event: StreamEvent) => {
      if (!abort.signal.aborted) output.enqueue(encoder.encode(`data: ${JSON.stringify(event)}\n\n`));
    };

    const entry = { abort, done: Promise.resolve() };
    entry.done = produce(emit, abort.signal)
      .catch(error => {
        log(`chatkit: stream failed: ${oneLine(error)}`);
        emit({ type: 'error', code: 'stream.error', allow_retry: true });
      })
      .finally(() => {
        requestSignal.removeEventListener('abort', onClientGone);
        streams.delete(entry);
        try {
          output.close();
        } catch {
          // already cancelled by the client
        }
      });
    streams.add(entry);

    return new Response(body, {
      headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' },
    });
  }

  /** Steps 3-5 of a streamed turn: stream options, the assistant's reply, the title on the first turn. */
  async function reply(identity: Identity, thread: ThreadMetadata, emit: (event: StreamEvent) => void, signal: AbortSignal): Promise<void> {
    emit({ type: 'stream_options', stream_options: { allow_cancel: true } });
    const items = await store.latestItems(identity.sub, thread.id, historyLimit);
    const history = items.map(item => ({ role: item.type === 'user_message' ? ('user' as const) : ('assistant' as const), text: itemText(item) }));

    let assistant: AssistantMessageItem | undefined;
    let text = '';
    let failure: unknown;
    try {
      for await (const chunk of untilAborted(responder.respond({ threadId: thread.id, history, identity, signal }), signal)) {
        if (typeof chunk !== 'string') {
          emit({ type: 'progress_update', ...(chunk.icon && { icon: chunk.icon }), text: chunk.progress });
          continue;
        }
        if (!chunk) continue;
        if (!assistant) {
          assistant = { id: newId('msg'), thread_id: thread.id, created_at: new Date().toISOString(), type: 'assistant_message', content: [] };
          emit({ type: 'thread.item.added', item: assistant });
          emit({ type: 'thread.item.updated', item_id: assistant.id, update: { type: 'assistant_message.content_part.added', content_index: 0, content: outputText('') } });
        }
        text += chunk;
        emit({ type: 'thread.item.updated', item_id: assistant.id, update: { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: chunk } });
      }
    } catch (error) {
      failure = error;
    }

    // Whatever happened, what was already said is kept.
    const content = outputText(text);
    const said: AssistantMessageItem | undefined = assistant && text ? { ...assistant, content: [content] } : undefined;
    if (said) await store.addItem(identity.sub, said);
    const untitled = thread.title === undefined;

    if (signal.aborted) {
      if (untitled) await store.setTitle(identity.sub, thread.id, titleFor(items));
      options.onStreamCancelled?.();
      return;
    }
    if (said) {
      emit({ type: 'thread.item.updated', item_id: said.id, update: { type: 'assistant_message.content_part.done', content_index: 0, content } });
      emit({ type: 'thread.item.done', item: said });
    }
    if (failure !== undefined || !said) {
      log(`chatkit: ${responder.name} responder failed: ${failure === undefined ? 'it produced no text' : oneLine(failure)}`);
      emit({ type: 'error', code: 'stream.error', allow_retry: true });
      return;
    }
    const titled = untitled && (await store.setTitle(identity.sub, thread.id, titleFor(items)));
    if (titled) emit({ type: 'thread.updated', thread: threadOf(titled) });
  }

  function userMessage(threadId: string, input: UserMessageInput): UserMessageItem {
    return {
      id: newId('msg'),
      thread_id: threadId,
      created_at: new Date().toISOString(),
      type: 'user_message',
      content: input.content,
      attachments: [],
      ...(input.quoted_text !== undefined && { quoted_text: input.quoted_text }),
      inference_options: input.inference_options,
    };
  }

  async function dispatch(request: ChatKitRequest, identity: Identity, signal: AbortSignal): Promise<Response> {
    const { sub } = identity;
    switch (request.type) {
      case 'threads.create': {
        // the thread and the user's message are stored before the answer starts: once the client
        // sees them, they are kept
        const thread = await store.createThread(sub, new Date().toISOString());
        const item = userMessage(thread.id, request.input);
        await store.addItem(sub, item);
        return stream(signal, async (emit, streamSignal) => {
          emit({ type: 'thread.created', thread: threadOf(thread) });
          emit({ type: 'thread.item.done', item });
          await reply(identity, thread, emit, streamSignal);
        });
      }
      case 'threads.add_user_message': {
        const thread = await ownedThread(sub, request.threadId);
        const item = userMessage(thread.id, request.input);
        await store.addItem(sub, item);
        return stream(signal, async (emit, streamSignal) => {
          emit({ type: 'thread.item.done', item });
          await reply(identity, thread, emit, streamSignal);
        });
      }
      case 'threads.retry_after_item': {
        const thread = await ownedThread(sub, request.threadId);
        const item = await store.getItem(sub, thread.id, request.itemId);
        if (!item) throw notFound('Item');
        if (item.type !== 'user_message') throw new HttpError(400, 'invalid_params', 'params.item_id must name a user message.');
        await store.deleteItemsAfter(sub, thread.id, item.id);
        return stream(signal, (emit, streamSignal) => reply(identity, thread, emit, streamSignal));
      }
      case 'threads.get_by_id': {
        const thread = await ownedThread(sub, request.threadId);
        return json(threadOf(thread, await store.listItems(sub, thread.id, { limit: THREAD_ITEMS_PAGE, order: 'asc' })));
      }
      case 'threads.list': {
        const page = await store.listThreads(sub, request.page);
        return json({ ...page, data: page.data.map(thread => threadOf(thread)) });
      }
      case 'items.list':
        return json(await store.listItems(sub, (await ownedThread(sub, request.threadId)).id, request.page));
      case 'threads.update': {
        const title = storable(request.title.trim().slice(0, MAX_TITLE_LENGTH));
        const thread = await store.setTitle(sub, request.threadId, title || undefined);
        if (!thread) throw notFound('Thread');
        return json(threadOf(thread));
      }
      case 'threads.delete':
        if (!(await store.deleteThread(sub, request.threadId))) throw notFound('Thread');
        return json({});
      case 'items.feedback':
        await store.setFeedback(sub, (await ownedThread(sub, request.threadId)).id, request.itemIds, request.kind);
        return json({});
      case 'unsupported':
        if (!request.streaming) throw new HttpError(400, 'unsupported_request', `${request.name} is not supported by this server.`);
        await ownedThread(sub, request.threadId ?? '');
        return stream(signal, async emit => {
          emit({ type: 'error', code: 'custom', message: `${request.name} is not supported by this server.`, allow_retry: false });
        });
    }
  }

  const handler = async (request: Request, identity: Identity): Promise<Response> => {
    try {
      const body = await readBodyLimited(request, maxBodyBytes);
      return await dispatch(parseChatKitRequest(body), identity, request.signal);
    } catch (error) {
      if (error instanceof HttpError) return httpErrorResponse(error);
      log(`chatkit: request failed: ${oneLine(error)}`);
      return errorResponse(500, 'internal_error', 'The server could not handle this request.');
    }
  };

  return Object.assign(handler, {
    async close() {
      const pending = [...streams];
      for (const { abort } of pending) abort.abort();
      await Promise.all(pending.map(({ done }) => done));
    },
  });
}

/** A short title from the thread's first user message (its first few words). */
export function titleFor(items: readonly { type: string; content: readonly { text: string }[] }[]): string {
  const first = items.find(item => item.type === 'user_message');
  const words = (first ? first.content.map(part => part.text).join(' ') : '').split(/\s+/).filter(Boolean);
  if (words.length === 0) return 'New chat';
  let title = words.slice(0, 6).join(' ');
  if (title.length > 40) title = `${title.slice(0, 39).trimEnd()}…`;
  else if (words.length > 6) title += '…';
  return storable(title);
}

/**
 * A title as both stores keep it alike: U+0000 left out (PostgreSQL text cannot hold it) and lone
 * surrogates as U+FFFD (SQLite would keep their bytes and read back three). Message text needs none of
 * this: it is stored as JSON, where both are escaped.
 */
function storable(title: string): string {
  return title.replaceAll('\0', '').replace(/\p{Surrogate}/gu, '\uFFFD');
}

/**
 * Iterates `iterable` until it ends or `signal` aborts, whichever is first: a responder that ignores
 * the signal cannot hold the stream open. Its iterator is told to return either way.
 */
async function* untilAborted<T>(iterable: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const iterator = iterable[Symbol.asyncIterator]();
  const aborted = new Promise<IteratorResult<T>>(resolve => {
    if (signal.aborted) resolve({ done: true, value: undefined });
    signal.addEventListener('abort', () => resolve({ done: true, value: undefined }), { once: true });
  });
  let finished = false;
  try {
    while (!signal.aborted) {
      const next = iterator.next();
      next.catch(() => {}); // a rejection after an abort is of no interest
      const result = await Promise.race([next, aborted]);
      if (result.done) {
        finished = !signal.aborted;
        return;
      }
      yield result.value;
    }
  } finally {
    if (!finished) iterator.return?.()?.catch(() => {});
  }
}

