// createChatKitServer: ChatKit's custom-backend protocol (chatkit-python 1.6.5's `ChatKitServer`) as a
// Fetch handler and a Node adapter, every request verified first and every store call scoped to the
// token's user.
import { failureResponse } from '../fetch.js';
import { failureBody } from '../result.js';
import { createVerifier } from '../verify.js';
import type { Verifier } from '../verify.js';
import type { ChatKitContext, ChatKitUser } from './context.js';
import type { RequestLabel } from '../rejection.js';
import { ChatKitHttpError } from './errors.js';
import { parseRequest } from './parse.js';
import { processRequest } from './process.js';
import type { Emit, Hooks, Processed, Stream } from './process.js';
import { InvalidCursorError, NotFoundError } from './store.js';
import type { AttachmentStore, Store } from './store.js';
import type {
  Action,
  FeedbackKind,
  StreamOptions,
  SyncCustomActionResponse,
  ThreadMetadata,
  ThreadStreamEvent,
  TranscriptionResult,
  UserMessageItem,
  WidgetItem,
} from './types.js';

/** A non-protocol route served by the same handler (e.g. attachment upload and preview). */
export interface ChatKitRoute<C extends ChatKitContext = ChatKitContext> {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  /** A pathname, `:name` segments captured: `/chatkit/attachments/:id/upload`. Matched before the protocol's POST. */
  path: string;
  /** Default false: the request is verified first (401 JSON) and `context` is set. True: no token is asked for (e.g. a signed preview URL). */
  public?: boolean;
  handle(request: Request, match: { params: Record<string, string>; context?: C }): Response | Promise<Response>;
}

/** One line for your logger: an error the client was not shown in detail. */
export interface ChatKitLogEntry {
  level: 'warn' | 'error';
  message: string;
  requestType?: string;
  error?: unknown;
}

export interface ChatKitServerOptions<C extends ChatKitContext = ChatKitContext> {
  /** Better Auth's base URL: a verifier is made with `createVerifier({ authUrl })`. Give this or `verifier`. */
  authUrl?: string;
  /** A verifier you made (share one per process). */
  verifier?: Verifier;
  store: Store<C>;
  /** Needed for `attachments.create`/`attachments.delete` (without it they answer 400 JSON). */
  attachmentStore?: AttachmentStore<C>;
  /** Extends the base context (user, request, signal) with yours; called once per request after verification. */
  createContext?(base: ChatKitContext): C | Promise<C>;
  /**
   * The reply to a new user message (`input`), or, with `input` null, to a client tool's output or a
   * form's answer (both already stored: read them from the store). Yield events; the server persists
   * `thread.item.done`/`replaced`/`removed`, and sends `thread.updated` when you changed `thread`.
   * Throw CustomStreamError/StreamError for an in-band error. `context.signal` aborts when the client leaves.
   */
  respond(thread: ThreadMetadata, input: UserMessageItem | null, context: C): AsyncIterable<ThreadStreamEvent>;
  /** A widget action (`threads.custom_action`), streamed like `respond`. `sender` is the widget item, or null without `item_id`. Default: an in-band error. */
  action?(thread: ThreadMetadata, action: Action, sender: WidgetItem | null, context: C): AsyncIterable<ThreadStreamEvent>;
  /** A widget action answered at once (`threads.sync_custom_action`): optionally the widget item to show instead (not stored by the server). */
  syncAction?(thread: ThreadMetadata, action: Action, sender: WidgetItem | null, context: C): Promise<SyncCustomActionResponse>;
  /** Dictation (`input.transcribe`): the decoded audio (`mimeType` as sent, `mediaType` without its parameters) in, the text out. */
  transcribe?(audio: { data: Uint8Array; mimeType: string; mediaType: string }, context: C): Promise<TranscriptionResult>;
  /** Thumbs up/down (`items.feedback`). Default: accepted and dropped. */
  addFeedback?(threadId: string, itemIds: string[], kind: FeedbackKind, context: C): Promise<void>;
  /** Default `{ allow_cancel: true }`. */
  getStreamOptions?(thread: ThreadMetadata, context: C): StreamOptions;
  routes?: ChatKitRoute<C>[];
  /** Largest request body accepted (bytes); default 1 MiB (transcription's base64 audio included). Larger: 413 JSON. */
  maxBodyBytes?: number;
  /** Where failures go (default: console.error / console.warn). */
  log?(entry: ChatKitLogEntry): void;
}

/** node:http's IncomingMessage / Express's Request, typed by what the adapter uses. */
export interface NodeRequestLike extends AsyncIterable<Uint8Array | string> {
  method?: string | undefined;
  url?: string | undefined;
  originalUrl?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  /** Set by a body parser (express.json(), express.text(), express.raw()) that already read the body. */
  body?: unknown;
  /** A TLS socket (`encrypted: true`) makes the request's URL https. */
  socket?: object | undefined;
}

/** node:http's ServerResponse / Express's Response, typed by what the adapter uses. */
export interface NodeResponseLike {
  statusCode: number;
  setHeader(name: string, value: string | number | readonly string[]): unknown;
  flushHeaders?(): void;
  write(chunk: Uint8Array | string): boolean;
  end(chunk?: Uint8Array | string): unknown;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  off?(event: 'drain' | 'close', listener: () => void): unknown;
  readonly writableEnded?: boolean;
  readonly destroyed?: boolean;
}

/** What `process` answers: a stream of SSE bytes, or one JSON body. */
export type ChatKitResult = { streaming: true; stream: ReadableStream<Uint8Array> } | { streaming: false; json: string };

export interface ChatKitServer<C extends ChatKitContext = ChatKitContext> {
  /** Fetch handler: Next.js route handlers, Hono (`c.req.raw`), Bun, Deno, Workers. Never rejects. */
  fetch(request: Request): Promise<Response>;
  /** node:http / Express handler (`app.post('/chatkit', chatkit.node)`). Never rejects. */
  node(request: NodeRequestLike, response: NodeResponseLike): Promise<void>;
  /**
   * One protocol request body for an already verified context (chatkit-python's `process`).
   * Rejects with ChatKitHttpError for a bad request, NotFoundError for an unknown id.
   */
  process(body: string | Uint8Array, context: C): Promise<ChatKitResult>;
  /** Stops every open stream (as a client close would) and waits for their saves. */
  close(): Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

const JSON_HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' };
const SSE_HEADERS = { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' };

function jsonResponse(value: unknown, status: number, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), { status, headers: { ...JSON_HEADERS, ...headers } });
}

const errorBody = (code: string, message: string) => ({ error: message, code });

interface Run {
  abort: AbortController;
  done: Promise<void>;
}

interface CompiledRoute<C extends ChatKitContext> {
  route: ChatKitRoute<C>;
  pattern: RegExp;
  names: string[];
}

function compileRoute<C extends ChatKitContext>(route: ChatKitRoute<C>): CompiledRoute<C> {
  if (!route.path.startsWith('/')) throw new TypeError(`createChatKitServer: route path must start with "/" (got "${route.path}")`);
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map(segment => {
      if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(segment.slice(1));
      return '([^/]+)';
    })
    .join('/');
  return { route, pattern: new RegExp(`^${source}$`), names };
}

/**
 * ChatKit's custom-backend protocol, complete against chatkit-python 1.6.5: the 16 request types,
 * every event and item type, with the user from the token.
 *
 * Every request is verified first (`authUrl` or `verifier`): a missing or bad token is a 401 JSON,
 * an unreachable JWKS a 503. A bad body is a 400 JSON (`{ error, code }`), an id that is not the
 * caller's a 404 JSON, a body over `maxBodyBytes` a 413. Streamed replies are Server-Sent Events; a
 * failure while streaming is the in-band `error` event. Throws a TypeError at once for unusable options.
 *
 * ```ts
 * const chatkit = createChatKitServer({
 *   authUrl: 'https://auth.example.com/api/auth',
 *   store: new MemoryStore(),
 *   async *respond(thread, input) {
 *     yield* streamAssistantMessage(thread, ['Hello', ', world']);
 *   },
 * });
 * export const POST = chatkit.fetch; // Next.js; Hono: c => chatkit.fetch(c.req.raw); Express: chatkit.node
 * ```
 */
export function createChatKitServer<C extends ChatKitContext = ChatKitContext>(options: ChatKitServerOptions<C>): ChatKitServer<C> {
  if (!options || typeof options !== 'object') throw new TypeError('createChatKitServer: pass an options object');
  if ((options.authUrl === undefined) === (options.verifier === undefined)) throw new TypeError('createChatKitServer: set one of authUrl and verifier');
  if (!options.store) throw new TypeError('createChatKitServer: set store (a Store: MemoryStore, SQLiteStore, PostgresStore or yours)');
  if (typeof options.respond !== 'function') throw new TypeError('createChatKitServer: set respond (an async generator of events)');
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes <= 0) throw new TypeError('createChatKitServer: maxBodyBytes must be a positive integer');
  const verifier = options.verifier ?? createVerifier({ authUrl: options.authUrl! });
  const routes = (options.routes ?? []).map(compileRoute);
  const log =
    options.log ??
    ((entry: ChatKitLogEntry) => {
      const line = `[chatkit] ${entry.requestType ? `${entry.requestType}: ` : ''}${entry.message}`;
      if (entry.level === 'warn') console.warn(line);
      else console.error(line, entry.error);
    });
  const hooks: Hooks<C> = {
    store: options.store,
    attachmentStore: options.attachmentStore,
    respond: options.respond.bind(options),
    ...(options.action && { action: options.action.bind(options) }),
    ...(options.syncAction && { syncAction: options.syncAction.bind(options) }),
    ...(options.transcribe && { transcribe: options.transcribe.bind(options) }),
    ...(options.addFeedback && { addFeedback: options.addFeedback.bind(options) }),
    ...(options.getStreamOptions && { getStreamOptions: options.getStreamOptions.bind(options) }),
    log,
  };

  const runs = new Set<Run>();
  let closing = false;

  /** The events as SSE bytes, produced as the client reads (backpressure), stopped when it leaves. */
  function sse(stream: Stream, abort: AbortController): ReadableStream<Uint8Array> {
    const end = track(abort);
    let running: Promise<void> | undefined;
    let cancelled = false;
    // the reply waits in `emit` for the next pull; the pull waits for the next event (or the end)
    let pulled: (() => void) | undefined;
    let delivered: (() => void) | undefined;
    const deliver = () => {
      const resolve = delivered;
      delivered = undefined;
      resolve?.();
    };
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = new Promise<void>(resolve => (delivered = resolve));
        if (running) {
          const resume = pulled;
          pulled = undefined;
          resume?.();
          return next;
        }
        const emit: Emit = event => {
          if (cancelled) return;
          controller.enqueue(encoder.encode(`data: ${JSON.stringify(event)}\n\n`));
          deliver();
          return new Promise<void>(resolve => (pulled = resolve));
        };
        running = stream(emit)
          .then(
            () => {
              if (!cancelled) controller.close();
            },
            error => {
              // the stream turns every failure into an error event; this is a failure before it (a store
              // call of the request itself): end the stream with the same event
              log({ level: 'error', message: 'Error while streaming', error });
              if (cancelled) return;
              controller.enqueue(encoder.encode(`data: ${JSON.stringify({ type: 'error', code: 'stream.error', allow_retry: true })}\n\n`));
              controller.close();
            },
          )
          .finally(() => {
            deliver();
            end();
          });
        return next;
      },
      async cancel() {
        cancelled = true;
        abort.abort();
        // a reply waiting for the next pull goes on to its end (saving what was sent)
        const resume = pulled;
        pulled = undefined;
        resume?.();
        if (running) await running;
        else end();
      },
      // nothing read ahead: the hook runs only as far as the client reads, so a stop keeps what was sent
    }, { highWaterMark: 0 });
  }

  function prepare(body: string | Uint8Array, context: C): Promise<Processed> {
    let text: string;
    try {
      text = typeof body === 'string' ? body : decoder.decode(body);
    } catch {
      throw new ChatKitHttpError(400, 'invalid_json', 'The body is not UTF-8 JSON.');
    }
    return processRequest(hooks, parseRequest(text), context);
  }

  /** The public process(): the stream's cancel aborts a signal joined to the caller's. */
  async function process(body: string | Uint8Array, context: C): Promise<ChatKitResult> {
    const abort = new AbortController();
    const result = await prepare(body, { ...context, signal: AbortSignal.any([context.signal, abort.signal]) });
    if (result.streaming) return { streaming: true, stream: sse(result.stream, abort) };
    return { streaming: false, json: JSON.stringify(result.value) };
  }

  /** The JSON refusal for `error`: its status, code and message; anything unexpected a 500 that says nothing, logged. */
  function refusal(error: unknown): { status: number; body: string; headers?: Record<string, string> } {
    const answer = (status: number, code: string, message: string, headers?: Record<string, string>) => ({ status, body: JSON.stringify(errorBody(code, message)), ...(headers && { headers }) });
    if (error instanceof ChatKitHttpError) return answer(error.status, error.code, error.message, error.status === 503 ? { 'Retry-After': '5' } : undefined);
    if (error instanceof NotFoundError) return answer(404, 'not_found', 'No such thread, item or attachment.');
    if (error instanceof InvalidCursorError) return answer(400, 'invalid_cursor', 'The "after" cursor names nothing on this list.');
    log({ level: 'error', message: 'Request failed', error });
    return answer(500, 'internal_error', 'The request failed on the server.');
  }

  function failure(error: unknown): Response {
    const { status, body, headers } = refusal(error);
    return new Response(body, { status, headers: { ...JSON_HEADERS, ...headers } });
  }

  function track(abort: AbortController): () => void {
    let finish!: () => void;
    const run: Run = { abort, done: new Promise<void>(resolve => (finish = resolve)) };
    runs.add(run);
    return () => {
      runs.delete(run);
      finish();
    };
  }

  /**
   * node:http's way, without a Request or a Response in between: the events written as they come,
   * waiting for 'drain' when the socket is full (backpressure); the client closing the connection
   * stops the reply as a cancelled stream does.
   */
  async function serveNode(request: NodeRequestLike, response: NodeResponseLike): Promise<void> {
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      response.statusCode = status;
      for (const [name, value] of Object.entries({ ...JSON_HEADERS, ...headers })) response.setHeader(name, value);
      response.end(body);
    };
    if (closing) return send(503, JSON.stringify(errorBody('shutting_down', 'The server is shutting down.')), { 'Retry-After': '5' });
    const url = request.originalUrl ?? request.url ?? '/';
    const path = url.split('?', 1)[0]!;
    const method = request.method ?? 'GET';
    if (routes.some(({ route, pattern }) => (route.method === method || (route.method === 'GET' && method === 'HEAD')) && pattern.test(path))) {
      return writeNodeResponse(await handle(nodeToRequest(request), () => readNodeBody(request, maxBodyBytes)), response);
    }
    if (method !== 'POST') return send(405, JSON.stringify(errorBody('method_not_allowed', 'ChatKit requests are POSTed.')), { Allow: 'POST' });
    const authorization = request.headers.authorization;
    const result = await verifier.authenticate(Array.isArray(authorization) ? authorization[0] : authorization, { method, path });
    if (!result.ok) return send(result.status, failureBody(result), { ...result.headers });
    // the Request is made only if a hook or a store reads it
    const { base, abort } = contextOf(result.identity, () => nodeToRequest(request));
    let processed: Processed;
    try {
      const context = options.createContext ? await options.createContext(base) : (base as C);
      processed = await prepare(await readNodeBody(request, maxBodyBytes), context);
    } catch (error) {
      const { status, body, headers } = refusal(error);
      return send(status, body, headers);
    }
    if (!processed.streaming) return send(200, JSON.stringify(processed.value));

    const controller = abort();
    const end = track(controller);
    let gone = false;
    const onClose = () => {
      if (response.writableEnded) return;
      gone = true;
      controller.abort();
    };
    response.once('close', onClose);
    response.statusCode = 200;
    for (const [name, value] of Object.entries(SSE_HEADERS)) response.setHeader(name, value);
    // the events a hook yields in one go (through promise jobs, no I/O between them) leave as one string
    // in one socket write (the head with the first), flushed once the current tick's jobs are done, at
    // the end, or when the string reaches the socket's high-water mark; a full socket makes the reply
    // wait for 'drain' before it asks the hook for more
    let text = '';
    let full = false;
    const flush = () => {
      if (text === '' || gone || response.writableEnded) return;
      const chunk = text;
      text = '';
      if (!response.write(chunk)) full = true;
    };
    const emit: Emit = event => {
      if (gone) return;
      if (text === '') nextTick(flush);
      text += `data: ${JSON.stringify(event)}\n\n`;
      if (text.length >= HIGH_WATER_MARK) flush();
      if (!full) return;
      full = false;
      return drained(response);
    };
    try {
      // a client gone: the reply's own cleanup (saving what was sent) runs before the run counts as done
      await processed.stream(emit);
    } catch (error) {
      // the stream turns the hook's failures into an error event; this is a store failure before it
      log({ level: 'error', message: 'Error while streaming', error });
      text += `data: ${JSON.stringify({ type: 'error', code: 'stream.error', allow_retry: true })}\n\n`;
    } finally {
      response.off?.('close', onClose);
      if (!gone) {
        const rest = text;
        text = '';
        if (rest) response.end(rest);
        else response.end();
      }
      end();
    }
  }

  async function authenticate(request: Request, label: RequestLabel): Promise<{ ok: true; context: C; abort: () => AbortController } | { ok: false; response: Response }> {
    const result = await verifier.authenticate(request.headers.get('authorization'), label);
    if (!result.ok) return { ok: false, response: failureResponse(result) };
    const { base, abort } = contextOf(result.identity, () => request);
    const context = options.createContext ? await options.createContext(base) : (base as C);
    return { ok: true, context, abort };
  }

  async function handle(request: Request, readBody: () => Promise<Uint8Array>): Promise<Response> {
    if (closing) return jsonResponse(errorBody('shutting_down', 'The server is shutting down.'), 503, { 'Retry-After': '5' });
    // the path is parsed only when routes are matched or a refusal is reported
    let parsed: string | undefined;
    const label = {
      method: request.method,
      get path() {
        return (parsed ??= new URL(request.url).pathname);
      },
    };
    for (const { route, pattern, names } of routes) {
      const path = label.path;
      const match = route.method === request.method || (route.method === 'GET' && request.method === 'HEAD') ? pattern.exec(path) : null;
      if (!match) continue;
      const params: Record<string, string> = {};
      names.forEach((name, index) => (params[name] = decodeURIComponent(match[index + 1]!)));
      try {
        if (route.public) return await route.handle(request, { params });
        const auth = await authenticate(request, label);
        if (!auth.ok) return auth.response;
        return await route.handle(request, { params, context: auth.context });
      } catch (error) {
        return failure(error);
      }
    }
    if (request.method !== 'POST') return jsonResponse(errorBody('method_not_allowed', 'ChatKit requests are POSTed.'), 405, { Allow: 'POST' });
    const auth = await authenticate(request, label);
    if (!auth.ok) return auth.response;
    try {
      const result = await prepare(await readBody(), auth.context);
      if (!result.streaming) return new Response(JSON.stringify(result.value), { headers: JSON_HEADERS });
      return new Response(sse(result.stream, auth.abort()), { headers: SSE_HEADERS });
    } catch (error) {
      return failure(error);
    }
  }

  async function readFetchBody(request: Request): Promise<Uint8Array> {
    const length = request.headers.get('content-length');
    if (length !== null && Number(length) > maxBodyBytes) throw tooLarge(maxBodyBytes);
    if (!request.body) return new Uint8Array(0);
    // a declared length within the limit is read at once; otherwise counted chunk by chunk
    if (length !== null && /^\d+$/.test(length)) {
      const bytes = new Uint8Array(await request.arrayBuffer());
      if (bytes.byteLength > maxBodyBytes) throw tooLarge(maxBodyBytes);
      return bytes;
    }
    return collect(request.body, maxBodyBytes);
  }

  return {
    async fetch(request) {
      try {
        return await handle(request, () => readFetchBody(request));
      } catch (error) {
        return failure(error);
      }
    },
    async node(request, response) {
      try {
        await serveNode(request, response);
      } catch (error) {
        if (!response.writableEnded) await writeNodeResponse(failure(error), response);
      }
    },
    process,
    async close() {
      closing = true;
      const open = [...runs];
      for (const run of open) run.abort.abort();
      await Promise.all(open.map(run => run.done));
    },
  };
}

const tooLarge = (max: number) => new ChatKitHttpError(413, 'body_too_large', `The body is over ${max} bytes.`);

async function collect(body: AsyncIterable<Uint8Array | string> | ReadableStream<Uint8Array>, max: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
    const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
    size += bytes.byteLength;
    if (size > max) throw tooLarge(max);
    chunks.push(bytes);
  }
  if (chunks.length === 1) return chunks[0]!;
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return all;
}

function readNodeBody(request: NodeRequestLike, max: number): Promise<Uint8Array> {
  const parsed = request.body;
  // a body parser got there first (express.json(), .text(), .raw())
  if (parsed !== undefined) {
    if (parsed instanceof Uint8Array) return Promise.resolve(parsed);
    if (typeof parsed === 'string') return Promise.resolve(encoder.encode(parsed));
    if (typeof parsed === 'object' && parsed !== null && Object.keys(parsed).length > 0) return Promise.resolve(encoder.encode(JSON.stringify(parsed)));
  }
  return collect(request, max);
}

/**
 * The base context: `request` and `signal` are made when first read (a JSON answer whose hooks read
 * neither pays for neither); `abort()` is the controller behind `signal`.
 */
function contextOf(user: ChatKitUser, makeRequest: () => Request): { base: ChatKitContext; abort: () => AbortController } {
  let controller: AbortController | undefined;
  let request: Request | undefined;
  const abort = () => (controller ??= new AbortController());
  const base: ChatKitContext = {
    user,
    get request() {
      return (request ??= makeRequest());
    },
    get signal() {
      return abort().signal;
    },
  };
  return { base, abort };
}

/** Characters of SSE text held before they are written without waiting for the tick's end (node's default highWaterMark is 16 KiB). */
const HIGH_WATER_MARK = 16 * 1024;

/** Node's (and Bun's and Deno's) process.nextTick: after the current promise jobs, before any I/O. */
const nextTick: (callback: () => void) => void =
  (globalThis as { process?: { nextTick?: (callback: () => void) => void } }).process?.nextTick ?? queueMicrotask;

/** Resolves when the socket takes writes again, or is gone. */
function drained(response: NodeResponseLike): Promise<void> {
  return new Promise<void>(resolve => {
    const resume = () => {
      response.off?.('close', resume);
      response.off?.('drain', resume);
      resolve();
    };
    response.once('drain', resume);
    response.once('close', resume);
  });
}

function nodeToRequest(request: NodeRequestLike): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    if (Array.isArray(value)) for (const entry of value) headers.append(name, entry);
    else headers.set(name, value);
  }
  const host = headers.get('host') ?? 'localhost';
  const scheme = (request.socket as { encrypted?: boolean } | undefined)?.encrypted ? 'https' : 'http';
  return new Request(`${scheme}://${host}${request.originalUrl ?? request.url ?? '/'}`, { method: request.method ?? 'GET', headers });
}

async function writeNodeResponse(answer: Response, response: NodeResponseLike): Promise<void> {
  response.statusCode = answer.status;
  answer.headers.forEach((value, name) => response.setHeader(name, value));
  if (!answer.body) {
    response.end();
    return;
  }
  const reader = answer.body.getReader();
  let gone = false;
  const onClose = () => {
    gone = true;
    reader.cancel().catch(() => {});
  };
  response.once('close', onClose);
  response.flushHeaders?.();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || gone) break;
      if (!response.write(value)) await drained(response);
    }
  } catch {
    // the stream failed after the head was sent: nothing more can be said
  } finally {
    response.off?.('close', onClose);
    if (!gone) response.end();
  }
}
