// The demo backend in one process: Better Auth at /api/auth/*, the package's ChatKit server at POST
// /chatkit (createChatKitServer: bearer JWT verified against the JWKS, the chat store, a responder),
// the demo page's files, GET /healthz.
//   createApp(config): the request handler, for in-process use.
//   startServer(config): the same on an HTTP server (127.0.0.1 by default; port 0 = ephemeral).
import { STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import type { MiddlewareHandler } from 'hono';
import { EMBED_COOKIE, PROBE_COOKIE } from '../../src/server/better-auth.js';
import { AUTH_BASE_PATH, CLIENT_ADDRESS_HEADER, createAuth, resolveSecret } from './auth.js';
import type { AuthService } from './auth.js';
import { readBodyLimited } from './body.js';
import { originFor } from './config.js';
import type { ServerConfig } from './config.js';
import { createCors } from './cors.js';
import type { CorsRoute } from './cors.js';
import { openDatabase } from './database.js';
import { HttpError, errorResponse, httpErrorResponse, oneLine, withoutQueries } from './http-errors.js';
import { createOfflineResponder } from './responders/offline.js';
import { lazyResponder } from './responders/lazy.js';
import type { OpenAIResponderOptions } from './responders/openai.js';
import type { Responder } from './responders/types.js';
import { serveStatic } from './static.js';
import { createStats } from './stats.js';
import type { ServerStats } from './stats.js';
import { createChatKitServer, createVerifier, SignedAttachmentStore } from '../../src/server/index.js';
import type { ChatKitContext, ChatKitLogEntry, ChatKitServer, Rejection, Store, UserMessageItem, Verifier } from '../../src/server/index.js';

export type { ServerConfig } from './config.js';
export type { ServerStats } from './stats.js';

export interface ChatApp {
  /** Answers `request`; `peer` is the connection's remote address (rate limits count per client). */
  fetch(request: Request, peer?: string): Promise<Response>;
  stats: ServerStats;
  /** Better Auth's baseURL; the tokens' issuer and audience unless JWT_ISSUER / JWT_AUDIENCE. */
  publicUrl: string;
  /** Checks the chat's bearer tokens (its `config` says against what). */
  verifier: Verifier;
  /** Settles when the database is migrated; fetch waits for it. */
  ready: Promise<void>;
  auth: AuthService;
  store: Store;
  /** Uploaded files: their routes, readAttachment for the responder, sweep for the unsent ones. */
  attachments: SignedAttachmentStore;
  responder: Responder;
  /** Ends streaming replies (keeping what they said) and closes the database. */
  close(): Promise<void>;
}

export interface RunningServer {
  /** The public URL (no trailing slash): PUBLIC_URL, or http://HOST:PORT with the bound port. */
  url: string;
  /** Where the server really listens: http://HOST:PORT (the same as url unless PUBLIC_URL is set). */
  listenUrl: string;
  port: number;
  stats: ServerStats;
  app: ChatApp;
  close(): Promise<void>;
}

export function chooseResponder(config: ServerConfig, store: Store, attachments?: SignedAttachmentStore): Responder {
  if (config.responder) return config.responder(store);
  if (config.openaiApiKey) {
    const options: OpenAIResponderOptions = {
      apiKey: config.openaiApiKey,
      model: config.openaiModel,
      baseURL: config.openaiBaseUrl,
      tracing: config.openaiTracing,
      store,
      ...(attachments && { readAttachment: attachments.readAttachment.bind(attachments) }),
    };
    return lazyResponder('openai', async () => (await import('./responders/openai.js')).createOpenAIResponder(options));
  }
  return createOfflineResponder({ store, delayMs: config.offlineDelayMs, ...(attachments && { readAttachment: attachments.readAttachment.bind(attachments) }) });
}

/** A short title from the thread's first user message (its first few words). */
export function titleFor(message: UserMessageItem): string {
  const words = message.content
    .map(part => part.text)
    .join(' ')
    .split(/\s+/)
    .filter(Boolean);
  if (words.length === 0) return 'New chat';
  let title = words.slice(0, 6).join(' ');
  if (title.length > 40) title = `${title.slice(0, 39).trimEnd()}…`;
  else if (words.length > 6) title += '…';
  // U+0000 left out (PostgreSQL text cannot hold it) and lone surrogates as U+FFFD, alike on both stores
  return title.replaceAll('\0', '').replace(/\p{Surrogate}/gu, '\uFFFD');
}

/**
 * Loopback by default: the page may be opened as localhost too, which is another origin for the
 * browser, CORS and Better Auth. Only when no PUBLIC_URL names the one origin users reach.
 */
function ownOrigins(config: ServerConfig, publicUrl: string): string[] {
  const { origin, port } = new URL(publicUrl);
  const loopback = config.host === '127.0.0.1' || config.host === '::1';
  return config.publicUrl || !loopback ? [origin] : [origin, `http://localhost:${port}`];
}

/** Whether a request from another origin carries cookies beyond the any-site sign-in's partitioned two. */
function carriesThirdPartyCookies(request: Request, publicOrigin: string): boolean {
  const origin = request.headers.get('Origin');
  const cookie = request.headers.get('Cookie');
  if (!origin || !cookie || origin === publicOrigin) return false;
  const names = cookie.split(';').map(pair => pair.split('=')[0]!.trim());
  return names.some(name => !name.endsWith(`.${EMBED_COOKIE}`) && !name.endsWith(`.${PROBE_COOKIE}`));
}

/** Requests Node's HTTP parser refuses (headers over its 16 KB limit, malformed) get JSON too. */
function answerClientErrors(server: ReturnType<typeof createAdaptorServer>): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const [status, code, message] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'headers_too_large', 'The request headers are too large.']
        : [400, 'bad_request', 'The request could not be parsed.'];
    const body = JSON.stringify({ error: message, code });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}

/** One log line: where, the answer, and why (the reason quotes claims, never the token). */
function rejectionLine({ request, status, code, reason, detail }: Rejection): string {
  return `${request ? `${request.method} ${request.path} ` : ''}${status} ${code}: token refused (${reason}): ${detail}`;
}

/**
 * The package's ChatKit server, as any backend would mount it: the verifier, the store, the
 * responder's hooks. The demo titles a thread after its first answered message and counts abandoned replies.
 */
export function createChat(parts: {
  verifier: Verifier;
  store: Store;
  attachments?: SignedAttachmentStore;
  responder: Responder;
  stats: ServerStats;
  maxBodyBytes: number;
  log: (line: string) => void;
}): ChatKitServer {
  const { responder, stats } = parts;
  return createChatKitServer<ChatKitContext>({
    verifier: parts.verifier,
    store: parts.attachments?.store ?? parts.store,
    ...(parts.attachments && { attachmentStore: parts.attachments, routes: parts.attachments.routes }),
    async *respond(thread, input, context) {
      let ended = false;
      // counted when the client leaves, even from a responder stuck in an await
      const onAbort = () => ended || stats.chatStreamsCancelled++;
      context.signal.addEventListener('abort', onAbort, { once: true });
      let failed = false;
      try {
        yield* responder.respond(thread, input, context);
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        ended = true;
        context.signal.removeEventListener('abort', onAbort);
        // once the reply is complete or stopped, never after a failure: the server then sends
        // thread.updated last, as the reference does; a stopped reply's server saves no thread, so
        // the demo keeps the title itself
        if (!failed && input && thread.title === undefined) {
          thread.title = titleFor(input);
          if (context.signal.aborted) await parts.store.saveThread(thread, context);
        }
      }
    },
    ...(responder.action && { action: responder.action.bind(responder) }),
    ...(responder.syncAction && { syncAction: responder.syncAction.bind(responder) }),
    maxBodyBytes: parts.maxBodyBytes,
    log: ({ message, error }: ChatKitLogEntry) => parts.log(`chatkit: ${message}${error === undefined ? '' : `: ${oneLine(error)}`}`),
  });
}

export function createApp(config: ServerConfig): ChatApp {
  const publicUrl = config.publicUrl ?? originFor(config.host, config.port);
  const stats = createStats();
  const logRequest = config.log ? (line: string) => console.log(withoutQueries(line)) : () => {};
  const logProblem = config.log ? (line: string) => console.error(withoutQueries(line)) : () => {};

  const publicOrigin = new URL(publicUrl).origin;
  const cors = createCors([...ownOrigins(config, publicUrl), ...config.allowedOrigins]);
  const database = openDatabase(config, logProblem);
  let auth: AuthService;
  // once: with ':memory:' every call makes a new one
  let secret: string;
  try {
    secret = resolveSecret(config.betterAuthSecret, config.databasePath);
    auth = createAuth({
      database: database.auth,
      secret,
      publicUrl,
      issuer: config.jwtIssuer ?? publicUrl,
      audience: config.jwtAudience ?? publicUrl,
      jwtExpiration: config.jwtExpiration,
      trustedOrigins: cors.allowedOrigins,
      embedOrigins: cors.allowedOrigins.filter(origin => origin !== publicOrigin),
      embedCodeExpiresIn: config.embedCodeExpiresIn,
      rateLimit: { enabled: config.rateLimit, storage: database.rateLimitStorage },
      trustedProxies: config.trustedProxies,
      log: config.log,
    });
  } catch (error) {
    void database.close();
    throw error;
  }
  const ready = database.migrate(() => auth.migrate());
  ready.catch(() => {}); // reported by whoever awaits it (startServer, fetch)


  // The package's verifier. Issuer and audience follow the auth server: without JWT_ISSUER /
  // JWT_AUDIENCE, the origin of the JWKS URL, which is PUBLIC_URL for this server's own JWKS and what
  // Better Auth sets by default on another one. Without JWKS_URL the verifier reads this server's own
  // JWKS route in process: the same route and the same jose remote-set logic, minus a loopback
  // socket (and PUBLIC_URL need not be reachable from the server itself, e.g. behind a TLS proxy).
  const verifier = createVerifier({
    jwksUrl: config.jwksUrl ?? `${publicUrl}${AUTH_BASE_PATH}/jwks`,
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    cacheSize: config.verifiedTokenCacheSize,
    reloadIntervalMs: config.jwksReloadIntervalMs,
    timeoutMs: config.jwksTimeoutMs,
    clockTolerance: config.clockToleranceSec,
    stats,
    // why a token was refused, for whoever runs the server; the 401 itself stays generic
    ...(config.log && { onRejected: (rejection: Rejection) => logProblem(rejectionLine(rejection)) }),
    ...(!config.jwksUrl && { fetch: async (url: string, init: RequestInit) => hono.fetch(new Request(url, init)) }),
  });

  // Files uploaded to signed single-use URLs under /chatkit, previews at signed URLs (the same secret
  // as Better Auth's, under a key of their own), unsent ones swept hourly.
  const attachments = new SignedAttachmentStore(database.attachmentFiles, {
    store: database.store,
    secret,
    endpoint: `${publicUrl}/chatkit`,
    maxSize: config.attachmentMaxBytes,
    verifier,
  });
  const store = attachments.store;
  const sweeping = setInterval(() => attachments.sweep().catch(error => logProblem(`attachments: sweep failed: ${oneLine(error)}`)), 3_600_000);
  sweeping.unref();
  const responder = chooseResponder(config, store, attachments);
  const chat = createChat({ verifier, store, attachments, responder, stats, maxBodyBytes: config.maxBodyBytes, log: logProblem });

  const hono = new Hono();
  hono.onError((error, c) => {
    const known = error instanceof HttpError ? error : database.unavailable(error);
    if (known) return httpErrorResponse(known);
    logProblem(`${c.req.method} ${c.req.path} failed: ${oneLine(error)}`);
    return errorResponse(500, 'internal_error', 'The server could not handle this request.');
  });
  hono.notFound(() => errorResponse(404, 'not_found', 'Not found.'));

  hono.get('/healthz', c => c.json({ ok: true }));

  const corsFor =
    (route: CorsRoute): MiddlewareHandler =>
    async (c, next) => {
      if (c.req.method === 'OPTIONS') return cors.preflight(c.req.raw, route);
      await next();
      c.res = cors.decorate(c.req.raw, c.res, route);
    };
  hono.use(`${AUTH_BASE_PATH}/*`, corsFor('auth'));
  hono.use('/chatkit', corsFor('chat'));
  hono.use('/chatkit/attachments/:id/upload', corsFor('upload'));
  hono.use('/chatkit/attachments', corsFor('upload'));

  hono.on(['GET', 'POST'], `${AUTH_BASE_PATH}/*`, async c => {
    const raw = c.req.raw;
    const headers = new Headers(raw.headers);
    // The client's address for the rate limits: the connection's peer, never a header the client
    // sent; X-Forwarded-For only with TRUSTED_PROXIES (Better Auth then walks it past them).
    headers.delete(CLIENT_ADDRESS_HEADER);
    const peer = (c.env as { peer?: string } | undefined)?.peer;
    const forwarded = config.trustedProxies.length > 0 ? raw.headers.get('x-forwarded-for') : null;
    if (peer) headers.set(CLIENT_ADDRESS_HEADER, forwarded ? `${forwarded}, ${peer}` : peer);
    let body: Uint8Array<ArrayBuffer> | undefined;
    if (raw.method === 'POST') {
      // Better Auth would read any size: cut bodies off at the same limit as the chat
      body = await readBodyLimited(raw, config.maxBodyBytes);
      headers.delete('transfer-encoding');
      headers.set('content-length', String(body.byteLength));
    }
    const request = new Request(raw.url, { method: raw.method, headers, body, signal: raw.signal });
    const response = await auth.auth.handler(request);
    // Every auth answer may carry a credential (a JWT, a session, a hand-off code) but the public JWKS
    if (c.req.path !== `${AUTH_BASE_PATH}/jwks`) response.headers.set('Cache-Control', 'no-store');
    if (response.status === 200) {
      if (c.req.path === `${AUTH_BASE_PATH}/token`) stats.tokensIssued++;
      else if (c.req.path === `${AUTH_BASE_PATH}/jwks`) stats.jwksServed++;
    }
    if (response.status >= 400 && response.body === null) {
      return errorResponse(response.status, response.status === 404 ? 'not_found' : 'auth_error', response.statusText || 'Request refused.');
    }
    return response;
  });
  hono.all(`${AUTH_BASE_PATH}/*`, () => errorResponse(405, 'method_not_allowed', 'Use GET or POST.', { Allow: 'GET, POST, OPTIONS' }));

  hono.post('/chatkit', async c => {
    stats.chatRequests++;
    const response = await chat.fetch(c.req.raw);
    // the database is down: say when to come back, as the auth routes' 503 does
    if (response.status === 503 && !response.headers.has('Retry-After')) response.headers.set('Retry-After', '5');
    stats.chatResponsesByStatus[response.status] = (stats.chatResponsesByStatus[response.status] ?? 0) + 1;
    return response;
  });
  hono.all('/chatkit', () => errorResponse(405, 'method_not_allowed', 'Use POST.', { Allow: 'POST, OPTIONS' }));
  // the attachments' routes of the same ChatKit server: they read the body themselves, no further than the declared size
  hono.on(['PUT', 'POST'], '/chatkit/attachments/:id/upload', c => chat.fetch(c.req.raw));
  hono.post('/chatkit/attachments', c => chat.fetch(c.req.raw)); // the direct upload strategy
  hono.get('/chatkit/attachments/:id', c => chat.fetch(c.req.raw));

  // Where the demo page finds this server when it is opened on another site (http://localhost:PORT)
  hono.get('/demo-config.js', () =>
    new Response(`globalThis.authChatkitDemo = ${JSON.stringify({ publicUrl })};\n`, {
      headers: { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache' },
    }),
  );
  hono.use('*', corsFor('static'));
  hono.get('*', async c => (await serveStatic(c.req.path)) ?? errorResponse(404, 'not_found', 'Not found.'));

  let closing: Promise<void> | undefined;
  return {
    stats,
    publicUrl,
    verifier,
    ready,
    auth,
    store,
    attachments,
    responder,
    async fetch(request, peer) {
      const started = performance.now();
      if (carriesThirdPartyCookies(request, publicOrigin)) stats.crossSiteRequestsWithOtherCookies++;
      let response: Response;
      try {
        await ready;
        response = await hono.fetch(request, { peer });
      } catch (error) {
        logProblem(`${request.method} ${new URL(request.url).pathname} failed: ${oneLine(error)}`);
        response = errorResponse(500, 'internal_error', 'The server could not handle this request.');
      }
      // the path only: a query string could hold a token (?access_token=...)
      logRequest(`${request.method} ${new URL(request.url).pathname} ${response.status} ${Math.round(performance.now() - started)}ms`);
      return response;
    },
    close() {
      closing ??= (async () => {
        await ready.catch(() => {});
        clearInterval(sweeping);
        await chat.close();
        await database.close();
      })();
      return closing;
    },
  };
}

export async function startServer(config: ServerConfig): Promise<RunningServer> {
  let app: ChatApp | undefined;
  const server = createAdaptorServer({
    // the connection's peer address: what rate limits count by (see TRUSTED_PROXIES)
    fetch: (request: Request, env: { incoming?: { socket?: { remoteAddress?: string } } }) => app?.fetch(request, env?.incoming?.socket?.remoteAddress) ?? errorResponse(503, 'starting', 'The server is starting.', { 'Retry-After': '1' }),
    hostname: config.host,
  });
  answerClientErrors(server);
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  const closeServer = () =>
    new Promise<void>(resolvePromise => {
      server.close(() => resolvePromise());
      if ('closeAllConnections' in server) server.closeAllConnections();
    });

  const { port } = server.address() as AddressInfo;
  try {
    // the bound port, so that an ephemeral port shows in the public URL, issuer and audience
    app = createApp({ ...config, port });
    await app.ready;
  } catch (error) {
    await app?.close();
    await closeServer();
    throw error;
  }
  const running = app;
  let closing: Promise<void> | undefined;
  return {
    url: running.publicUrl,
    listenUrl: originFor(config.host, port),
    port,
    stats: running.stats,
    app: running,
    close() {
      closing ??= (async () => {
        const stopped = closeServer();
        await running.close();
        await stopped;
      })();
      return closing;
    },
  };
}
