// Shared by the server tests: a real demo backend in process on an ephemeral port with a temporary
// database, real accounts and tokens, and readers for its JSON and event-stream answers. The database
// is a SQLite file, or with TEST_DATABASE_URL set a PostgreSQL database of its own (databases.ts).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { startServer } from '../../demo/server/app.js';
import type { RunningServer } from '../../demo/server/app.js';
import { loadConfig } from '../../demo/server/config.js';
import type { ServerConfig } from '../../demo/server/config.js';
import type { ThreadStreamEvent as StreamEvent } from '../../src/server/index.js';
import { dropDatabase, ensureDatabase, testDatabaseUrl } from './databases.js';

export interface TestServer extends RunningServer {
  dir: string;
  /** The SQLite file (nothing is there when the server runs on PostgreSQL). */
  databasePath: string;
  /** Closes the server and removes its folder (and its PostgreSQL database). */
  stop(): Promise<void>;
}

/** The secret of test servers on PostgreSQL, where BETTER_AUTH_SECRET is required (random-looking: Better Auth warns about others). */
export const TEST_SECRET = '5f0c2a9d8e7b41c6a3d2e1f0b9c8d7e6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0';

export interface TestServerOptions {
  env?: Record<string, string>;
  config?: Partial<ServerConfig>;
  /** Reuse this folder (and its database) instead of a fresh one. */
  dir?: string;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'auth-chatkit-server-'));
  const databasePath = join(dir, 'demo.sqlite');
  // On PostgreSQL the folder's name names the database: reusing the folder reuses the database.
  const database = basename(dir);
  const removeOwn = async () => {
    if (options.dir) return;
    rmSync(dir, { recursive: true, force: true });
    if (testDatabaseUrl) await dropDatabase(database);
  };
  let server: RunningServer;
  try {
    const where = testDatabaseUrl
      ? { DATABASE_URL: await ensureDatabase(database), BETTER_AUTH_SECRET: TEST_SECRET }
      : { DATABASE_PATH: databasePath };
    const config = {
      // Better Auth's rate limits (3 sign-ups per 10 s from one address) are off unless a test turns them on
      ...loadConfig({ PORT: '0', RATE_LIMIT: 'off', ...where, ...options.env }),
      log: false,
      offlineDelayMs: 0,
      ...options.config,
    };
    server = await startServer(config);
  } catch (error) {
    await removeOwn();
    throw error;
  }
  return {
    ...server,
    dir,
    databasePath,
    async stop() {
      await server.close();
      await removeOwn();
    },
  };
}

/** Anything with the server's public URL, and where it listens when that differs (PUBLIC_URL set). */
export interface Target {
  url: string;
  listenUrl?: string;
}

/** The URL requests go to. */
export const address = (target: Target): string => target.listenUrl ?? target.url;

let accounts = 0;

export interface Account {
  email: string;
  name: string;
  cookie: string;
  userId: string;
}

/**
 * Signs up a new account on `server` and keeps its session cookie. Node's fetch sends
 * `Sec-Fetch-Mode: cors`, which Better Auth takes for a browser and then requires a trusted Origin:
 * send the server's own, as the demo page would.
 */
export async function signUp(server: Target, name = `User ${++accounts}`): Promise<Account> {
  const email = `user${Date.now()}.${++accounts}@example.com`;
  const response = await fetch(`${address(server)}/api/auth/sign-up/email`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: server.url },
    body: JSON.stringify({ email, password: 'correct horse battery staple', name }),
  });
  if (response.status !== 200) throw new Error(`sign-up answered ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as { user: { id: string } };
  const cookie = response.headers
    .getSetCookie()
    .map(line => line.split(';')[0])
    .join('; ');
  return { email, name, cookie, userId: body.user.id };
}

export async function getToken(server: Target, account: Account): Promise<string> {
  const response = await fetch(`${address(server)}/api/auth/token`, { headers: { Cookie: account.cookie } });
  if (response.status !== 200) throw new Error(`/token answered ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

/** A signed-up account and a token for it. */
export async function userWithToken(server: Target, name?: string): Promise<Account & { token: string }> {
  const account = await signUp(server, name);
  return { ...account, token: await getToken(server, account) };
}

/** POST /chatkit with a bearer token (any JSON-able body, or a raw string). */
export function chatkit(server: Target, token: string | undefined, body: unknown, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token !== undefined) headers.set('Authorization', `Bearer ${token}`);
  if (!headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
  return fetch(`${address(server)}/chatkit`, {
    method: 'POST',
    ...init,
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The `data:` events of a whole event-stream body, checking the framing on the way. */
export function parseEvents(text: string): StreamEvent[] {
  if (text === '') return [];
  if (!text.endsWith('\n\n')) throw new Error(`event stream does not end with a blank line: ${JSON.stringify(text.slice(-40))}`);
  return text
    .slice(0, -2)
    .split('\n\n')
    .map(block => {
      if (!block.startsWith('data: ') || block.includes('\n')) throw new Error(`not a single data line: ${JSON.stringify(block.slice(0, 80))}`);
      return JSON.parse(block.slice(6)) as StreamEvent;
    });
}

/** The events of an event-stream body as they arrive (read it to the end, or stop early). */
export async function* eventsOf(response: Response): AsyncGenerator<StreamEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    const complete = buffer.lastIndexOf('\n\n');
    if (complete < 0) continue;
    yield* parseEvents(buffer.slice(0, complete + 2));
    buffer = buffer.slice(complete + 2);
  }
  if (buffer !== '') throw new Error(`the stream ended mid-event: ${JSON.stringify(buffer.slice(0, 80))}`);
}

export async function readEvents(response: Response): Promise<StreamEvent[]> {
  if (response.status !== 200) throw new Error(`expected a stream, got ${response.status}: ${await response.text()}`);
  if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
    throw new Error(`expected text/event-stream, got ${response.headers.get('content-type')}`);
  }
  return parseEvents(await response.text());
}

export function userInput(text: string) {
  return { content: [{ type: 'input_text', text }], attachments: [], inference_options: {} };
}

/** Streams a new thread with `text` and returns its events and the new thread's id. */
export async function createThread(server: Target, token: string, text: string) {
  const events = await readEvents(await chatkit(server, token, { type: 'threads.create', params: { input: userInput(text) } }));
  const created = events[0];
  if (created?.type !== 'thread.created') throw new Error(`first event is ${created?.type}`);
  return { events, threadId: created.thread.id };
}

/** The full reply text streamed in `events`. */
export function replyText(events: readonly StreamEvent[]): string {
  return events
    .map(event => (event.type === 'thread.item.updated' && event.update.type === 'assistant_message.content_part.text_delta' ? event.update.delta : ''))
    .join('');
}

/** A plain HTTP server of the test's own on 127.0.0.1 (an ephemeral port): a stub JWKS, a jku target. */
export function listen(handler: RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  return listenOnLoopback(createServer(handler));
}

/** `server` listening on 127.0.0.1, an ephemeral port; close() ends its connections too. */
export async function listenOnLoopback(server: Server): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close() {
      server.closeAllConnections();
      return new Promise(resolve => server.close(() => resolve()));
    },
  };
}

/** An HTTP port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>(resolve => server.close(() => resolve()));
  return port;
}

/** Waits (polling every 10 ms, at most `timeoutMs`) until `check` returns something truthy. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise(resolve => setTimeout(resolve, 10));
  }
}

export function decodePart(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

export function encodePart(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A time limit for every suite: a broken server must fail a test, not hang the run. */
export const LIMIT = { timeout: 20_000 };

/** The fenced blocks in `language` of README.md's "Your chat backend" section: the tests run them, so the docs cannot drift. */
export function backendExamples(language: 'ts' | 'python'): string[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.split(/^## /m).find(part => part.startsWith('Your chat backend\n'));
  if (!section) throw new Error('README.md has no "## Your chat backend" section');
  return [...section.matchAll(new RegExp(`^\`\`\`${language}\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map(match => match[1]!);
}
