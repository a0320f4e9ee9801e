// A backend for the benchmarks, in its own process (the load generator must not share it):
//   node --expose-gc --import tsx bench/serve.ts     with BENCH_SERVER='{"mode":..., ...}'
// Modes:
//   app    the demo backend as it ships (demo/server/app.ts startServer) with the given config
//   floor  the same ChatKit protocol handler, mounted by this script behind a fixed identity with
//          no token verification (the product has no switch that skips auth): the cost floor;
//          with `withAuth`, Better Auth is mounted at /api/auth/* beside it, as in the app (not used
//          by the chat route): the floor as the app's process is, minus verification
// Talks to its parent over the IPC channel only (nothing is added to the HTTP surface):
//   -> { type: 'ready', url }                once listening
//   <- { type: 'stats', gc? }  -> { type: 'stats', stats, memory }   (gc: memory read after a full GC)
//   <- { type: 'ab', token, count, chunks } -> { type: 'ab', appUs, floorUs, ratio }      (app mode only)
//        the app's fetch handler against the floor's request path in the same process: see abInApp
//   <- { type: 'stop' }                      closes and exits
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import Database from 'better-sqlite3';
import { Hono } from 'hono';
import { startServer } from '../demo/server/app.js';
import type { RunningServer } from '../demo/server/app.js';
import { AUTH_BASE_PATH, createAuth, resolveSecret } from '../demo/server/auth.js';
import type { AuthService } from '../demo/server/auth.js';
import { createChatKitHandler } from '../demo/server/chatkit-protocol.js';
import type { ChatKitHandler } from '../demo/server/chatkit-protocol.js';
import { loadConfig, originFor } from '../demo/server/config.js';
import type { ServerConfig } from '../demo/server/config.js';
import { createCors } from '../demo/server/cors.js';
import { HttpError, errorResponse, httpErrorResponse } from '../demo/server/http-errors.js';
import { createOfflineResponder } from '../demo/server/responders/offline.js';
import { createStats } from '../demo/server/stats.js';
import type { ServerStats } from '../demo/server/stats.js';
import { createStore } from '../demo/server/store.js';
import type { Identity } from '../demo/server/verify.js';

export interface ServeSpec {
  mode: 'app' | 'floor';
  /** floor only: Better Auth in the process too (mounted at /api/auth/*, as app.ts does). */
  withAuth?: boolean;
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
  | { type: 'ready'; url: string }
  /** cpu: process.cpuUsage() (µs, every thread of the process) */
  | { type: 'stats'; stats: ServerStats; memory: MemoryFigures; cpu: { user: number; system: number } }
  | { type: 'ab'; appUs: number; floorUs: number; ratio: number }
  | { type: 'failed'; message: string };

/** The identity every floor request runs as. */
export const FLOOR_IDENTITY: Identity = { sub: 'bench-floor-user', name: 'Floor', claims: { sub: 'bench-floor-user' } };

interface Running {
  url: string;
  stats: ServerStats;
  /** The server's own request handler (what the HTTP adaptor calls). */
  handle(request: Request): Promise<Response>;
  /** app mode: the running server. */
  server?: RunningServer;
  close(): Promise<void>;
}

async function startApp(config: ServerConfig): Promise<Running> {
  const server = await startServer(config);
  return { url: server.listenUrl, stats: server.stats, handle: request => server.app.fetch(request), server, close: () => server.close() };
}

/**
 * The floor's request path: what app.ts does for POST /chatkit minus `verifier.verify(bearerToken(...))`.
 * Hono with the same error handling, the same CORS middleware on the route (and, `auth` given,
 * Better Auth mounted at /api/auth/* with its own, as app.ts does), the same counters and the same
 * outer fetch wrapper (awaited readiness, timing, the request's path). `identity` is who every
 * request runs as.
 */
function floorFetch(parts: {
  chat: ChatKitHandler;
  stats: ServerStats;
  cors: () => ReturnType<typeof createCors>;
  auth?: () => AuthService;
  identity: () => Identity;
}): (request: Request) => Promise<Response> {
  const { chat, stats, cors, auth, identity } = parts;
  const hono = new Hono();
  hono.onError(error => (error instanceof HttpError ? httpErrorResponse(error) : errorResponse(500, 'internal_error', 'The server could not handle this request.')));
  hono.notFound(() => errorResponse(404, 'not_found', 'Not found.'));
  if (auth) {
    hono.use(`${AUTH_BASE_PATH}/*`, async (c, next) => {
      if (c.req.method === 'OPTIONS') return cors().preflight(c.req.raw, 'auth');
      await next();
      c.res = cors().decorate(c.req.raw, c.res, 'auth');
    });
    hono.on(['GET', 'POST'], `${AUTH_BASE_PATH}/*`, c => auth().auth.handler(c.req.raw));
  }
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

/** The floor as a server: the database set up as app.ts does, floorFetch on the same @hono/node-server adaptor. */
async function startFloor(config: ServerConfig, withAuth: boolean): Promise<Running> {
  if (config.databasePath !== ':memory:') mkdirSync(dirname(resolve(config.databasePath)), { recursive: true });
  const database = new Database(config.databasePath);
  database.pragma('journal_mode = WAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  const store = createStore(database);
  const stats = createStats();
  const chat = createChatKitHandler({
    store,
    responder: createOfflineResponder({ delayMs: config.offlineDelayMs }),
    maxBodyBytes: config.maxBodyBytes,
    log: () => {},
    onStreamCancelled: () => stats.chatStreamsCancelled++,
  });

  // the allow-list and Better Auth's baseURL name the server's own origin, known once it listens (as in startServer)
  const late: { cors?: ReturnType<typeof createCors>; auth?: AuthService } = {};
  const fetch = floorFetch({
    chat,
    stats,
    cors: () => late.cors!,
    ...(withAuth && { auth: () => late.auth! }),
    identity: () => FLOOR_IDENTITY,
  });
  const server = createAdaptorServer({ fetch, hostname: config.host });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(config.port, config.host, () => done());
  });
  const { port } = server.address() as AddressInfo;
  const publicUrl = originFor(config.host, port);
  late.cors = createCors([publicUrl]);
  if (withAuth) {
    late.auth = createAuth({
      database,
      secret: resolveSecret(config.betterAuthSecret, config.databasePath),
      publicUrl,
      jwtExpiration: config.jwtExpiration,
      trustedOrigins: late.cors.allowedOrigins,
      log: false,
    });
    await late.auth.migrate();
  }
  return {
    url: publicUrl,
    stats,
    handle: fetch,
    async close() {
      await new Promise<void>(done => {
        server.close(() => done());
        if ('closeAllConnections' in server) server.closeAllConnections();
      });
      await chat.close();
      database.close();
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
  const chat = createChatKitHandler({ store: server.app.store, responder: server.app.responder, log: () => {} });
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
    running = spec.mode === 'floor' ? await startFloor(config, spec.withAuth ?? false) : await startApp(config);
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
    } else if (message.type === 'stats') send({ type: 'stats', stats: running.stats, memory: memory(message.gc ?? false), cpu: process.cpuUsage() });
    else if (message.type === 'stop') {
      running.close().finally(() => process.exit(0));
    }
  });
  // the parent went away: do not linger
  process.on('disconnect', () => {
    running.close().finally(() => process.exit(0));
  });
  send({ type: 'ready', url: running.url });
}

if (process.send) await main();
else {
  console.error('bench/serve.ts is started by the benchmarks (it needs an IPC channel): see bench/lib/server.ts');
  process.exitCode = 1;
}
