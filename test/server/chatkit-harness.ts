// Shared by the ChatKit server's tests: real tokens (jose, an Ed25519 key served as a JWKS through the
// verifier's `fetch` seam), a server made with createChatKitServer, and readers for its answers.
import assert from 'node:assert/strict';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'jose';
import { createChatKitServer, createVerifier, MemoryStore } from '../../src/server/index.js';
import type { ChatKitServer, ChatKitServerOptions, Store, ThreadStreamEvent, Verifier } from '../../src/server/index.js';

export const AUTH_URL = 'https://auth.test/api/auth';
export const ENDPOINT = 'https://api.test/chatkit';

export interface Issuer {
  verifier: Verifier;
  /** The public keys, as a JWKS's `keys`. */
  jwks(): Promise<JWK[]>;
  /** A token for `sub`, valid for 10 minutes unless `claims` has an `exp`. */
  token(sub: string, claims?: Record<string, unknown>): Promise<string>;
}

export async function issuer(): Promise<Issuer> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'EdDSA', use: 'sig' };
  const verifier = createVerifier({ authUrl: AUTH_URL, fetch: async () => Response.json({ keys: [jwk] }) });
  const origin = new URL(AUTH_URL).origin;
  return {
    verifier,
    jwks: async () => [jwk],
    token(sub, claims = {}) {
      const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: 'test-key' }).setSubject(sub).setIssuer(origin).setAudience(origin).setIssuedAt();
      return (claims.exp === undefined ? jwt.setExpirationTime('10m') : jwt).sign(privateKey);
    },
  };
}

export type TestOptions = Omit<ChatKitServerOptions, 'verifier' | 'authUrl' | 'store' | 'respond'> & Partial<Pick<ChatKitServerOptions, 'store' | 'respond'>>;

export interface TestChatKit {
  chatkit: ChatKitServer;
  store: Store;
  issuer: Issuer;
  /** POSTs `body` (JSON-encoded unless a string) as `sub` (default 'alice'). */
  post(body: unknown, sub?: string | null): Promise<Response>;
  /** POSTs and reads the stream's events (asserting a 200 event stream). */
  events(body: unknown, sub?: string): Promise<ThreadStreamEvent[]>;
  /** POSTs and reads the JSON answer (asserting `status`, default 200). */
  json<T = Record<string, unknown>>(body: unknown, sub?: string, status?: number): Promise<T>;
  /** Logged failures. */
  logged: { level: string; message: string; error?: unknown }[];
}

export async function testChatKit(options: TestOptions = {}, shared?: Issuer): Promise<TestChatKit> {
  const keys = shared ?? (await issuer());
  const store = options.store ?? new MemoryStore();
  const logged: TestChatKit['logged'] = [];
  const chatkit = createChatKitServer({
    log: entry => logged.push(entry),
    respond: async function* () {},
    ...options,
    store,
    verifier: keys.verifier,
  });
  const tokens = new Map<string, string>();
  const post = async (body: unknown, sub: string | null = 'alice') => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (sub !== null) {
      if (!tokens.has(sub)) tokens.set(sub, await keys.token(sub));
      headers.Authorization = `Bearer ${tokens.get(sub)}`;
    }
    return chatkit.fetch(new Request(ENDPOINT, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) }));
  };
  return {
    chatkit,
    store,
    issuer: keys,
    logged,
    post,
    async events(body, sub) {
      const response = await post(body, sub);
      assert.equal(response.status, 200, `expected a stream, got ${response.status} ${await response.clone().text()}`);
      assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
      return parseEvents(await response.text());
    },
    async json(body, sub, status = 200) {
      const response = await post(body, sub);
      const text = await response.text();
      assert.equal(response.status, status, `expected ${status}, got ${response.status} ${text}`);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      return JSON.parse(text);
    },
  };
}

/** The events of an SSE body: `data: <json>\n\n` chunks, nothing else (as the reference frames them). */
export function parseEvents(body: string): ThreadStreamEvent[] {
  if (body === '') return [];
  assert.ok(body.endsWith('\n\n'), 'the stream ends with a complete event');
  return body
    .slice(0, -2)
    .split('\n\n')
    .map(chunk => {
      assert.ok(chunk.startsWith('data: ') && !chunk.includes('\n'), `one data line per event: ${JSON.stringify(chunk)}`);
      return JSON.parse(chunk.slice(6)) as ThreadStreamEvent;
    });
}

/** A user message input as ChatKit sends it. */
export const input = (text: string, extra: Record<string, unknown> = {}) => ({ content: [{ type: 'input_text', text }], attachments: [], inference_options: {}, ...extra });
