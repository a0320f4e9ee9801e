// HTTP client side of the benchmarks: real accounts and tokens through Better Auth, ChatKit requests
// and event streams read to their end (timing the first event).
import type { ThreadStreamEvent as StreamEvent, ThreadItem, Page } from '../../src/server/index.js';
import * as helpers from '../../test/server/helpers.js';

export type { Account } from '../../test/server/helpers.js';

// Accounts and tokens come the same way as in the server tests (one place knows Better Auth's quirks).
// `publicUrl`: the server's own origin (sent as Origin) when PUBLIC_URL makes it differ from `url`.
export const signUp = (url: string, name?: string, publicUrl = url) => helpers.signUp({ url: publicUrl, listenUrl: url }, name);
export const getToken = (url: string, account: helpers.Account) => helpers.getToken({ url }, account);

export function userInput(text: string) {
  return { content: [{ type: 'input_text', text }], attachments: [], inference_options: {} };
}

export function chatkit(url: string, token: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(`${url}/chatkit`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
}

/** A JSON request; throws on any status but 200. */
export async function chatkitJson<T>(url: string, token: string, body: unknown): Promise<T> {
  const response = await chatkit(url, token, body);
  if (response.status !== 200) throw new Error(`${(body as { type: string }).type} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

export interface StreamResult {
  status: number;
  events: StreamEvent[];
  /** From sending the request to the first complete event (ms). */
  firstEventMs: number;
  totalMs: number;
  /** Anything wrong with the answer (status, content type, framing); undefined when fine. */
  problem?: string;
}

/** Sends a streaming request and reads its event stream to the end. */
export async function stream(url: string, token: string, body: unknown): Promise<StreamResult> {
  const started = performance.now();
  const response = await chatkit(url, token, body);
  if (response.status !== 200 || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
    const text = await response.text();
    const elapsed = performance.now() - started;
    return { status: response.status, events: [], firstEventMs: elapsed, totalMs: elapsed, problem: `${response.status} ${text.slice(0, 200)}` };
  }
  const events: StreamEvent[] = [];
  let firstEventMs = Number.NaN;
  let buffer = '';
  let problem: string | undefined;
  const decoder = new TextDecoder();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (Number.isNaN(firstEventMs)) firstEventMs = performance.now() - started;
      if (!block.startsWith('data: ')) {
        problem ??= `not a data line: ${block.slice(0, 80)}`;
        continue;
      }
      events.push(JSON.parse(block.slice(6)) as StreamEvent);
    }
  }
  if (buffer !== '') problem ??= `the stream ended mid-event: ${buffer.slice(0, 80)}`;
  if (events.length === 0) problem ??= 'an empty stream';
  return { status: 200, events, firstEventMs, totalMs: performance.now() - started, problem };
}

/** Every item of a thread, oldest first (items.list, page by page). */
export async function allItems(url: string, token: string, threadId: string): Promise<ThreadItem[]> {
  const items: ThreadItem[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await chatkitJson<Page<ThreadItem>>(url, token, {
      type: 'items.list',
      params: { thread_id: threadId, limit: 100, order: 'asc', ...(after && { after }) },
    });
    items.push(...page.data);
    if (!page.has_more || !page.after) return items;
    after = page.after;
  }
}
