// For the Agents SDK bridge's tests: a Better Auth stand-in's JWKS on loopback (real jose keys, real
// verification), requests through createChatKitServer's Fetch handler, every streamed event checked
// against chatkit-python's JSON Schemas, and the real `openai` and `@openai/agents` clients pointed
// at the Responses API stand-in.
import assert from 'node:assert/strict';
import { OpenAIProvider, Runner } from '@openai/agents';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import OpenAI from 'openai';
import type { ChatKitServer, ThreadItem, ThreadStreamEvent } from '../../src/server/chatkit/index.js';
import { listen, parseEvents } from './helpers.js';
import { assertValid, schemas } from './schemas.js';

export interface TestAuth {
  /** Better Auth's base URL (its JWKS at `${authUrl}/jwks`). */
  authUrl: string;
  token(claims: { sub: string; name?: string; [claim: string]: unknown }): Promise<string>;
  close(): Promise<void>;
}

export async function startAuth(): Promise<TestAuth> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA' };
  const server = await listen((_request, response) => void response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  const origin = server.url;
  return {
    authUrl: `${origin}/api/auth`,
    token: claims =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
        .setIssuer(origin)
        .setAudience(origin)
        .setIssuedAt()
        .setExpirationTime('15m')
        .sign(privateKey),
    close: server.close,
  };
}

/** The model layer tests use: the real SDK on the stand-in, no retries, tracing off. */
export function standInRunner(baseURL: string, options: { timeoutMs?: number } = {}): Runner {
  const client = new OpenAI({ apiKey: 'sk-test-key', baseURL, maxRetries: 0, timeout: options.timeoutMs ?? 5_000 });
  return new Runner({ modelProvider: new OpenAIProvider({ openAIClient: client }), tracingDisabled: true });
}

export type Events = ThreadStreamEvent[];

/** One ChatKit request through the Fetch handler, as the browser's `fetch` would send it. */
export function post(chatkit: ChatKitServer, token: string, body: unknown, init: { signal?: AbortSignal } = {}): Promise<Response> {
  return chatkit.fetch(
    new Request('http://localhost/chatkit', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      ...init,
    }),
  );
}

/** A streamed answer's events, each valid against the schema and free of nulls. */
export async function stream(chatkit: ChatKitServer, token: string, body: unknown): Promise<Events> {
  const response = await post(chatkit, token, body);
  assert.equal(response.status, 200, await response.clone().text());
  const events = parseEvents(await response.text()) as unknown as Events;
  for (const [index, event] of events.entries()) assertValid(schemas.streamEvent, event, `event ${index} (${event.type})`);
  return events;
}

/** A JSON answer. */
export async function json<T>(chatkit: ChatKitServer, token: string, body: unknown): Promise<T> {
  const response = await post(chatkit, token, body);
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as T;
}

export const userInput = (text: string) => ({ content: [{ type: 'input_text', text }], attachments: [], inference_options: {} });

export async function storedItems(chatkit: ChatKitServer, token: string, threadId: string): Promise<ThreadItem[]> {
  const thread = await json<{ items: { data: ThreadItem[] } }>(chatkit, token, { type: 'threads.get_by_id', params: { thread_id: threadId } });
  assertValid(schemas.thread, thread, 'thread');
  return thread.items.data;
}

export const threadIdOf = (events: Events): string => {
  const created = events.find(event => event.type === 'thread.created');
  assert.ok(created?.type === 'thread.created', 'a thread was created');
  return created.thread.id;
};

/** The event types in order, with each update's type: a compact picture of a stream. */
export const shape = (events: Events): string[] =>
  events.map(event => {
    if (event.type === 'thread.item.updated') return `updated:${event.update.type}`;
    if (event.type === 'thread.item.added' || event.type === 'thread.item.done') return `${event.type.slice(12)}:${event.item.type}`;
    return event.type;
  });
