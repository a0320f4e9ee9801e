// A backend for the benchmarks, in its own process (the load generator must not share it):
//   node --expose-gc --import tsx bench/serve.ts     with BENCH_SERVER='{"mode":..., ...}'
// Modes:
//   app    the demo backend as it ships (demo/server/app.ts startServer) with the given config, and
//          beside it, in the SAME process on a port of its own, the floor on the app's own store and
//          responder: both serve from one process state (Better Auth hosted, JIT, heap), so what
//          separates them is verification alone
//   floor  the floor alone in a process of its own, without Better Auth: the bare floor
// The floor: the same ChatKit server (app.ts createChat: the package's createChatKitServer with the
// app's hooks), its process() called by this script behind a fixed identity with no token
// verification (the product has no switch that skips auth).
// Talks to its parent over the IPC channel only (nothing is added to the app's HTTP surface):
//   -> { type: 'ready', url, floorUrl? }     once listening (floorUrl: app mode, the floor beside it)
//   <- { type: 'stats', gc? }  -> { type: 'stats', stats, floorStats?, memory, cpu }   (gc: memory read after a full GC)
//   <- { type: 'ab', token, count, chunks } -> { type: 'ab', appUs, floorUs, ratio }      (app mode only)
//        the app's fetch handler against the floor's request path in the same process: see abInApp
//   <- { type: 'stop' }                      closes and exits
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { createChat, startServer } from '../demo/server/app.js';
import type { RunningServer } from '../demo/server/app.js';
import { loadConfig, originFor } from '../demo/server/config.js';
import type { ServerConfig } from '../demo/server/config.js';
import { createCors } from '../demo/server/cors.js';
import { openDatabase } from '../demo/server/database.js';
import { HttpError, errorResponse, httpErrorResponse } from '../demo/server/http-errors.js';
import { createOfflineResponder } from '../demo/server/responders/offline.js';
import type { Responder } from '../demo/server/responders/types.js';
import { createStats } from '../demo/server/stats.js';
import type { ServerStats } from '../demo/server/stats.js';
import { createVerifier } from '../src/server/index.js';
import type { Identity, Store } from '../src/server/index.js';

export interface ServeSpec {
  mode: 'app' | 'floor';
  /** Demo backend variables (loadConfig), e.g. DATABASE_PATH, JWT_EXPIRATION. */
  env: Record<string, string>;
  /** Overrides after loadConfig (log is always off). */
  config?: Partial<Pick<ServerConfig, 'verifiedTokenCacheSize' | 'offlineDelayMs' | 'clockToleranceSec'>>;
}

export interface MemoryFigures {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

export type ServeMessage =
  | { type: 'ready'; url: string; floorUrl?: string }
  /** cpu: process.cpuUsage() (µs, every thread of the process) */
  | { type: 'stats'; stats: ServerStats; floorStats?: ServerStats; memory: MemoryFigures; cpu: { user: number; system: number } }
  | { type: 'ab'; appUs: number; floorUs: number; ratio: number }
  | { type: 'failed'; message: string };

/** The identity every floor request runs as. */
export const FLOOR_IDENTITY: Identity = { sub: 'bench-floor-user', name: 'Floor', claims: { sub: 'bench-floor-user' } };

interface Running {
  url: string;
  stats: ServerStats;
  /** app mode: the floor beside the app. */
  floor?: Listening;
  /** app mode: the running server. */
  server?: RunningServer;
  close(): Promise<void>;
}

interface Listening {
  url: string;
  stats: ServerStats;
  close(): Promise<void>;
}

async function startApp(config: ServerConfig): Promise<Running> {
  const server = await startServer(config);
  const floor = await startFloorBeside(server, config);
  return {
    url: server.listenUrl,
    stats: server.stats,
    floor,
    server,
    close: async () => {
      await floor.close();
      await server.close();
    },
  };
}

/**
 * The floor's request path: what app.ts does for POST /chatkit minus `verifier.verify(bearerToken(...))`.
 * Hono with the same error handling, the same CORS middleware on the route, the same counters and
 * the same outer fetch wrapper (awaited readiness, timing, the request's path). `identity` is who every
 * request runs as.
 */
function floorFetch(parts: {
  chat: FloorChat;
  stats: ServerStats;
  cors: () => ReturnType<typeof createCors>;
  identity: () => Identity;
}): (request: Request) => Promise<Response> {
  const { chat, stats, cors, identity } = parts;
  const hono = new Hono();
  hono.onError(error => (error instanceof HttpError ? httpErrorResponse(error) : errorResponse(500, 'internal_error', 'The server could not handle this request.')));
  hono.notFound(() => errorResponse(404, 'not_found', 'Not found.'));
  hono.use('/chatkit', async (c, next) => {
    if (c.req.method === 'OPTIONS') return cors().preflight(c.req.raw, 'chat');
    await next();
    c.res = cors().decorate(c.req.raw, c.res, 'chat');
  });
  hono.post('/chatkit', async c => {
    stats.chatRequests++;
    const response = await chat(c.req.raw, identity());
    stats.chatResponsesByStatus[response.status] = (stats.chatResponsesByStatus[response.status] ?? 0) + 1;
    return response;
  });

  const ready = Promise.resolve();
  const log = (_line: string) => {};
  return async (request: Request) => {
    const started = performance.now();
    await ready;
    const response = await hono.fetch(request);
    log(`${request.method} ${new URL(request.url).pathname} ${response.status} ${Math.round(performance.now() - started)}ms`);
    return response;
  };
}

/** Serves `fetch` on the same @hono/node-server adaptor as app.ts; the URL once it listens. */
async function listen(fetch: (request: Request) => Promise<Response>, host: string, port: number) {
  const server = createAdaptorServer({ fetch, hostname: host });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => done());
  });
  return {
    url: originFor(host, (server.address() as AddressInfo).port),
    close: () =>
      new Promise<void>(done => {
        server.close(() => done());
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
}

/** The chat behind a fixed identity: one request, who it runs as, the answer. */
type FloorChat = ((request: Request, identity: Identity) => Promise<Response>) & { close(): Promise<void> };

/** The app's ChatKit server (createChat), its process() given the identity as verified. */
function floorChat(store: Store, responder: Responder, config: ServerConfig, stats: ServerStats): FloorChat {
  // never asked: process() takes the context as already verified
  const verifier = createVerifier({ jwksUrl: 'http://floor.invalid/jwks', issuer: 'http://floor.invalid', audience: 'http://floor.invalid' });
  const server = createChat({ verifier, store, responder, stats, maxBodyBytes: config.maxBodyBytes, log: () => {} });
  const chat = async (request: Request, identity: Identity): Promise<Response> => {
    const result = await server.process(new Uint8Array(await request.arrayBuffer()), { user: identity, request, signal: request.signal });
    return result.streaming
      ? new Response(result.stream, { headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store' } })
      : new Response(result.json, { headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' } });
  };
  return Object.assign(chat, { close: () => server.close() });
}

/** The floor on a server of its own, `chat` its protocol handler. */
async function serveFloor(chat: FloorChat, stats: ServerStats, config: ServerConfig): Promise<Listening> {
  // the allow-list names the server's own origin, known once it listens (as in startServer)
  const late: { cors?: ReturnType<typeof createCors> } = {};
  const listening = await listen(floorFetch({ chat, stats, cors: () => late.cors!, identity: () => FLOOR_IDENTITY }), config.host, 0);
  late.cors = createCors([listening.url]);
  return {
    url: listening.url,
    stats,
    async close() {
      await listening.close();
      await chat.close();
    },
  };
}

/** The floor beside the running app, in its process: the app's store and responder, a port of its own. */
function startFloorBeside(server: RunningServer, config: ServerConfig): Promise<Listening> {
  const stats = createStats();
  return serveFloor(floorChat(server.app.store, server.app.responder, config, stats), stats, config);
}

/** The bare floor: a process of its own, the database opened as app.ts opens it, no Better Auth. */
async function startFloor(config: ServerConfig): Promise<Running> {
  const database = openDatabase(config, () => {});
  await database.migrate(async () => {}); // the store's tables only
  const stats = createStats();
  const chat = floorChat(database.store, createOfflineResponder({ store: database.store, delayMs: config.offlineDelayMs }), config, stats);
  const floor = await serveFloor(chat, stats, config);
  return {
    url: floor.url,
    stats,
    async close() {
      await floor.close();
      await database.close();
    },
  };
}

/**
 * In the app's own process: its fetch handler (token verified) against the floor's request path
 * built beside it on the SAME store, responder, process and JIT state, running as the token's own
 * user (decoded here, not verified) so both list the same threads. Alternating chunks, one request
 * at a time, no HTTP: what verification adds to the handler, and nothing else. Medians over the
 * chunks; `ratio` is the median of floor/app between neighbouring chunks.
 */
async function abInApp(server: RunningServer, url: string, token: string, count: number, chunks: number) {
  const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Identity['claims'] & { sub: string; name?: unknown };
  const identity: Identity = { sub: claims.sub, claims, ...(typeof claims.name === 'string' && { name: claims.name }) };
  const chat = floorChat(server.app.store, server.app.responder, { ...loadConfig({}), log: false }, createStats());
  const cors = createCors([server.url]);
  const floor = floorFetch({ chat, stats: createStats(), cors: () => cors, identity: () => identity });
  const app = (request: Request) => server.app.fetch(request);
  const body = JSON.stringify({ type: 'threads.list', params: { limit: 20 } });
  const time = async (handle: (request: Request) => Promise<Response>, n: number) => {
    const started = performance.now();
    for (let i = 0; i < n; i++) {
      const response = await handle(
        new Request(`${url}/chatkit`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body }),
      );
      if (response.status !== 200) throw new Error(`ab: ${response.status}`);
      await response.arrayBuffer();
    }
    return performance.now() - started;
  };
  const per = Math.max(1, Math.round(count / chunks));
  await time(app, per); // warm-up, both
  await time(floor, per);
  const appChunks: number[] = [];
  const floorChunks: number[] = [];
  for (let i = 0; i < chunks; i++) {
    // alternate which goes first
    if (i % 2 === 0) {
      appChunks.push(await time(app, per));
      floorChunks.push(await time(floor, per));
    } else {
      floorChunks.push(await time(floor, per));
      appChunks.push(await time(app, per));
    }
  }
  // medians over the chunks: a garbage collection landing in one chunk does not decide the result
  const middle = (values: number[]) => {
    const sorted = [...values].sort((x, y) => x - y);
    const half = sorted.length >> 1;
    return sorted.length % 2 ? sorted[half]! : (sorted[half - 1]! + sorted[half]!) / 2;
  };
  return {
    appUs: (middle(appChunks) * 1000) / per,
    floorUs: (middle(floorChunks) * 1000) / per,
    ratio: middle(floorChunks.map((floorMs, i) => floorMs / appChunks[i]!)),
  };
}

function memory(collect: boolean): MemoryFigures {
  if (collect) (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
  return { rss, heapUsed, heapTotal, external };
}

async function main(): Promise<void> {
  const send = (message: ServeMessage) => process.send?.(message);
  const spec = JSON.parse(process.env.BENCH_SERVER ?? '{}') as ServeSpec;
  const config: ServerConfig = { ...loadConfig({ PORT: '0', HOST: '127.0.0.1', ...spec.env }), log: false, ...spec.config };
  let running: Running;
  try {
    running = spec.mode === 'floor' ? await startFloor(config) : await startApp(config);
  } catch (error) {
    send({ type: 'failed', message: String(error instanceof Error ? error.message : error) });
    process.exit(1);
  }
  process.on('message', (message: { type: string; gc?: boolean; token?: string; count?: number; chunks?: number }) => {
    if (message.type === 'ab') {
      if (!running.server) send({ type: 'failed', message: 'ab needs the app mode' });
      else {
        abInApp(running.server, running.url, message.token!, message.count!, message.chunks!).then(
          figures => send({ type: 'ab', ...figures }),
          error => send({ type: 'failed', message: String(error) }),
        );
      }
    } else if (message.type === 'stats') send({ type: 'stats', stats: running.stats, ...(running.floor && { floorStats: running.floor.stats }), memory: memory(message.gc ?? false), cpu: process.cpuUsage() });
    else if (message.type === 'stop') {
      running.close().finally(() => process.exit(0));
    }
  });
  // the parent went away: do not linger
  process.on('disconnect', () => {
    running.close().finally(() => process.exit(0));
  });
  send({ type: 'ready', url: running.url, ...(running.floor && { floorUrl: running.floor.url }) });
}

if (process.send) await main();
else {
  console.error('bench/serve.ts is started by the benchmarks (it needs an IPC channel): see bench/lib/server.ts');
  process.exitCode = 1;
}
