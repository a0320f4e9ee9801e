// createChatKitServer: ChatKit's custom-backend protocol (chatkit-python 1.6.5's `ChatKitServer`) as a
// Fetch handler and a Node adapter, every request verified first and every store call scoped to the
// token's user.
import type { Verifier } from '../verify.js';
import type { ChatKitContext } from './context.js';
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
  /** Dictation (`input.transcribe`): the decoded audio in, the text out. */
  transcribe?(audio: { data: Uint8Array; mimeType: string }, context: C): Promise<TranscriptionResult>;
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
  socket?: { encrypted?: boolean } | undefined;
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

export function createChatKitServer<C extends ChatKitContext = ChatKitContext>(options: ChatKitServerOptions<C>): ChatKitServer<C> {
  void options;
  throw new Error('not implemented');
}
