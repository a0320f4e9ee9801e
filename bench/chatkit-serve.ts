// One ChatKit server of benchmark 7 in a process of its own (started by bench/chatkit-server.ts over
// IPC; BENCH_CHATKIT = {"mode": ...}). Every mode answers `threads.create` on node:http with the
// package's MemoryStore and the same fixed reply, 20 text deltas:
//   ours   createChatKitServer(...).node(req, res): the package's whole path, the bearer token verified
//          (a local Ed25519 key served as the JWKS from memory; the verified-token cache hit after the
//          first request), the reply through streamAssistantMessage
//   peer   chatkit-node-backend-sdk 1.1.2 (bench/peer, installed apart): its ChatKitServer.process()
//          written to the response as its README does, the store an adapter onto the same MemoryStore
//   floor  a bare handler: parse the body, save the thread and the user message, write the same SSE
//          bytes the package writes (27 events), save the reply; no validation, no checks
// `hold` makes every reply wait after `stream_options` until `release` (memory per open stream).
// The package is the built one (dist/lib/server, tsc's output, as npm users run it), so `npm run
// build` (or `npm run bench -- --build`) first; this file, the floor's code, runs under tsx.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { AssistantMessageItem, Attachment, MemoryStore, ChatKitContext, ThreadItem, ThreadMetadata, ThreadStreamEvent, UserMessageInput, UserMessageItem } from '../src/server/index.js';
import { root } from './lib/build.js';

const { createChatKitServer, createVerifier, MemoryStore: BuiltMemoryStore, streamAssistantMessage } = (await import(
  pathToFileURL(`${root}dist/lib/server/index.js`).href
)) as typeof import('../src/server/index.js');

export type ChatKitMode = 'ours' | 'peer' | 'floor';

export type ChatKitServeMessage =
  | { type: 'ready'; url: string; token: string }
  | { type: 'memory'; heapUsed: number; rss: number; external: number; arrayBuffers: number }
  | { type: 'held'; count: number }
  /** process.cpuUsage(): µs of CPU, every thread of the process */
  | { type: 'cpu'; user: number; system: number }
  | { type: 'failed'; message: string };

export type ChatKitServeCommand = { type: 'memory' } | { type: 'cpu' } | { type: 'hold' } | { type: 'release' } | { type: 'held' } | { type: 'stop' };

/** The fixed reply: 20 text deltas. */
export const DELTAS = Array.from({ length: 20 }, (_, i) => `word${i} `);
const ISSUER = 'http://bench.local';
const USER = { sub: 'bench-user', name: 'Bench User' };

/** While set, replies wait here after `stream_options` (the open streams of the memory measurement). */
let gate: { promise: Promise<void>; open(): void; waiting: number } | undefined;
async function passGate(): Promise<void> {
  if (!gate) return;
  gate.waiting++;
  await gate.promise;
}

const send = (message: ChatKitServeMessage) => process.send!(message);

async function ours(store: MemoryStore): Promise<{ handle: (req: IncomingMessage, res: ServerResponse) => void; token: string }> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'EdDSA', use: 'sig' };
  const token = await new SignJWT({ name: USER.name })
    .setProtectedHeader({ alg: 'EdDSA', kid: 'bench' })
    .setSubject(USER.sub)
    .setIssuer(ISSUER)
    .setAudience(ISSUER)
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(privateKey);
  const verifier = createVerifier({
    jwksUrl: `${ISSUER}/jwks`,
    issuer: ISSUER,
    audience: ISSUER,
    fetch: async () => Response.json({ keys: [jwk] }),
  });
  const chatkit = createChatKitServer({
    verifier,
    store,
    async *respond(thread, input, context) {
      if (!input) return;
      await passGate();
      yield* streamAssistantMessage(thread, DELTAS, { generateId: type => store.generateItemId(type, thread, context) });
    },
    log: () => {},
  });
  return { handle: (req, res) => void chatkit.node(req, res), token };
}

/**
 * What the benchmark uses of chatkit-node-backend-sdk 1.1.2, typed here: bench/peer is installed only
 * when the benchmark runs (its own lockfile), so the project's typecheck cannot read its declarations.
 */
interface PeerSdk {
  Store: new () => object;
  ChatKitServer: new (store: object, attachmentStore: undefined, logger: object) => {
    process(body: string, context: ChatKitContext): Promise<AsyncIterable<string> & { isStreaming: boolean; toJSON(): unknown }>;
  };
}
type Order = 'asc' | 'desc';

async function peer(store: MemoryStore): Promise<(req: IncomingMessage, res: ServerResponse) => void> {
  const entry = `${root}bench/peer/node_modules/chatkit-node-backend-sdk/dist/index.js`;
  const sdk = (await import(pathToFileURL(entry).href)) as PeerSdk;
  // The peer's abstract Store, every method handed to the same MemoryStore (their names are chatkit-python's too)
  class SharedStore extends sdk.Store {
    loadThread = (id: string, context: ChatKitContext) => store.loadThread(id, context);
    saveThread = (thread: ThreadMetadata, context: ChatKitContext) => store.saveThread(thread, context);
    deleteThread = (id: string, context: ChatKitContext) => store.deleteThread(id, context);
    loadThreads = (limit: number, after: string | null, order: Order, context: ChatKitContext) => store.loadThreads(limit, after ?? undefined, order, context);
    loadThreadItems = (id: string, after: string | null, limit: number, order: Order, context: ChatKitContext) => store.loadThreadItems(id, after ?? undefined, limit, order, context);
    addThreadItem = (id: string, item: ThreadItem, context: ChatKitContext) => store.addThreadItem(id, item, context);
    saveItem = (id: string, item: ThreadItem, context: ChatKitContext) => store.saveItem(id, item, context);
    loadItem = (id: string, itemId: string, context: ChatKitContext) => store.loadItem(id, itemId, context);
    deleteThreadItem = (id: string, itemId: string, context: ChatKitContext) => store.deleteThreadItem(id, itemId, context);
    saveAttachment = (attachment: Attachment, context: ChatKitContext) => store.saveAttachment(attachment, context);
    loadAttachment = (id: string, context: ChatKitContext) => store.loadAttachment(id, context);
    deleteAttachment = (id: string, context: ChatKitContext) => store.deleteAttachment(id, context);
  }
  class PeerServer extends sdk.ChatKitServer {
    async *respond(thread: ThreadMetadata, input: unknown, context: ChatKitContext) {
      if (!input) return;
      await passGate();
      yield* assistantEvents(thread, store.generateItemId('message', thread, context));
    }
  }
  const server = new PeerServer(new SharedStore(), undefined, { debug() {}, info() {}, warn() {}, error() {} } as never);
  return (req, res) => {
    void (async () => {
      const body = await readBody(req);
      const result = await server.process(body, contextFor(res));
      if (result.isStreaming) {
        res.setHeader('Content-Type', 'text/event-stream');
        res.setHeader('Cache-Control', 'no-cache');
        res.setHeader('Connection', 'keep-alive');
        for await (const chunk of result) res.write(chunk);
        res.end();
      } else {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(result.toJSON()));
      }
    })().catch(error => {
      if (!res.headersSent) res.statusCode = 500;
      res.end(String(error));
    });
  };
}

/** The floor: what any server must do for threads.create (store, then the same bytes), nothing more. */
function floor(store: MemoryStore): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void (async () => {
      const { params } = JSON.parse(await readBody(req)) as { params: { input: UserMessageInput } };
      const context = contextFor(res);
      const thread: ThreadMetadata = { id: store.generateThreadId(context), created_at: new Date().toISOString(), status: { type: 'active' }, metadata: {} };
      await store.saveThread(thread, context);
      const user: UserMessageItem = {
        id: store.generateItemId('message', thread, context),
        thread_id: thread.id,
        created_at: new Date().toISOString(),
        type: 'user_message',
        content: params.input.content,
        attachments: [],
        inference_options: params.input.inference_options ?? {},
      };
      await store.addThreadItem(thread.id, user, context);
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store' });
      const write = (event: ThreadStreamEvent) => res.write(`data: ${JSON.stringify(event)}\n\n`);
      write({ type: 'thread.created', thread: { ...thread, items: { data: [], has_more: false } } });
      write({ type: 'thread.item.done', item: user });
      write({ type: 'stream_options', stream_options: { allow_cancel: true } });
      await passGate();
      const events = assistantEvents(thread, store.generateItemId('message', thread, context));
      for (const event of events) write(event);
      const done = events.at(-1) as { item: AssistantMessageItem };
      await store.addThreadItem(thread.id, done.item, context);
      res.end();
    })().catch(error => {
      if (!res.headersSent) res.statusCode = 500;
      res.end(String(error));
    });
  };
}

/** The reply's 24 events, as the package's streamAssistantMessage sends them. */
function assistantEvents(thread: ThreadMetadata, id: string): ThreadStreamEvent[] {
  const created_at = new Date().toISOString();
  const empty: AssistantMessageItem = { id, thread_id: thread.id, created_at, type: 'assistant_message', content: [] };
  const text = DELTAS.join('');
  const content = { annotations: [], text, type: 'output_text' as const };
  return [
    { type: 'thread.item.added', item: empty },
    { type: 'thread.item.updated', item_id: id, update: { type: 'assistant_message.content_part.added', content_index: 0, content: { annotations: [], text: '', type: 'output_text' } } },
    ...DELTAS.map(delta => ({ type: 'thread.item.updated' as const, item_id: id, update: { type: 'assistant_message.content_part.text_delta' as const, content_index: 0, delta } })),
    { type: 'thread.item.updated', item_id: id, update: { type: 'assistant_message.content_part.done', content_index: 0, content } },
    { type: 'thread.item.done', item: { ...empty, content: [content] } },
  ];
}

function contextFor(res: ServerResponse): ChatKitContext {
  const abort = new AbortController();
  res.once('close', () => abort.abort());
  // the floor and the peer read only user.sub (MemoryStore's scope); no Request is built for them
  return { user: { ...USER, claims: { sub: USER.sub } }, request: undefined as unknown as Request, signal: abort.signal };
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}

async function main(): Promise<void> {
  const { mode } = JSON.parse(process.env.BENCH_CHATKIT ?? '{}') as { mode: ChatKitMode };
  const store = new BuiltMemoryStore();
  let token = '';
  let handle: (req: IncomingMessage, res: ServerResponse) => void;
  if (mode === 'ours') ({ handle, token } = await ours(store));
  else if (mode === 'peer') handle = await peer(store);
  else if (mode === 'floor') handle = floor(store);
  else throw new Error(`unknown mode ${String(mode)}`);
  const server = createServer({ keepAliveTimeout: 60_000 }, handle);
  server.maxConnections = 10_000;
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  process.on('message', (command: ChatKitServeCommand) => {
    switch (command.type) {
      case 'memory': {
        (globalThis as { gc?: () => void }).gc?.();
        const { heapUsed, rss, external, arrayBuffers } = process.memoryUsage();
        send({ type: 'memory', heapUsed, rss, external, arrayBuffers });
        break;
      }
      case 'hold': {
        let open!: () => void;
        const promise = new Promise<void>(resolve => (open = resolve));
        gate = { promise, open, waiting: 0 };
        break;
      }
      case 'held':
        send({ type: 'held', count: gate?.waiting ?? 0 });
        break;
      case 'cpu':
        send({ type: 'cpu', ...process.cpuUsage() });
        break;
      case 'release':
        gate?.open();
        gate = undefined;
        break;
      case 'stop':
        server.closeAllConnections();
        server.close(() => process.exit(0));
        break;
    }
  });
  send({ type: 'ready', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token });
}

main().catch(error => {
  send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
