// A local stand-in for OpenAI's Responses API (`POST /v1/responses`, streamed), the one boundary
// that cannot run here. It streams the events OpenAI's API streams, in the same order and shapes
// (created, output items added/done, content parts, text deltas, citations, reasoning summaries,
// function calls, completed), and refuses what the real API refuses, with its status and message:
// a `previous_response_id` that names a response it did not store (`store: false`), a reasoning item
// sent back without its encrypted content when nothing is stored, a tool output with no call, a call
// with no output, `reasoning` options on a model that does not reason. A test scripts each turn with
// a `model` function from the request to a reply: output items, or a failure (HTTP error,
// `response.failed`, an `error` event, garbage, a stream that stalls).
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Citation =
  | { type: 'url_citation'; url: string; title: string; start_index: number; end_index: number }
  | { type: 'file_citation'; file_id: string; filename: string; index: number };

export type OutputSpec =
  | { type: 'message'; deltas: string[]; annotations?: Citation[] }
  /** Streamed only to a reasoning model asked for summaries (`reasoning.summary`). */
  | { type: 'reasoning'; summary: string[] }
  | { type: 'function_call'; name: string; arguments: unknown; callId?: string };

export type Reply =
  | { output: OutputSpec[]; delayMs?: number }
  | { fail: 'http'; status: number; message: string }
  | { fail: 'response.failed'; message: string }
  | { fail: 'error-event'; message: string }
  | { fail: 'garbage' }
  /** Accepts the request and never answers (a client timeout is the only way out). */
  | { fail: 'hang' }
  /** Answers, streams `response.created`, then nothing more. */
  | { fail: 'stall' };

export interface InputItem {
  type?: string;
  id?: string;
  role?: string;
  content?: unknown;
  call_id?: string;
  name?: string;
  arguments?: string;
  output?: unknown;
  encrypted_content?: string;
  summary?: unknown;
}

export interface ResponsesRequest {
  model: string;
  input: string | InputItem[];
  instructions?: string;
  stream?: boolean;
  store?: boolean;
  previous_response_id?: string;
  include?: string[];
  reasoning?: { effort?: string; summary?: string };
  tools?: { type: string; name?: string }[];
  [key: string]: unknown;
}

export interface Recorded {
  body: ResponsesRequest;
  authorization: string | undefined;
  path: string;
  /** The status the stand-in answered with. */
  status: number;
  /** Set when the client closed the connection before the reply ended. */
  closedEarly: boolean;
}

export interface ResponsesStandIn {
  /** The base URL to give the OpenAI client (`…/v1`). */
  url: string;
  requests: Recorded[];
  /** The script of the next turns: each request is answered by `model(request, turn)`. */
  model: (request: ResponsesRequest, turn: number) => Reply;
  close(): Promise<void>;
}

/** Models that reason (and accept `reasoning`), as OpenAI names them. */
export const isReasoningModel = (model: string): boolean => /^(o\d|gpt-5)/.test(model);

interface StoredResponse {
  output: Record<string, unknown>[];
  previous?: string;
  /** Every item id the chain holds (input items the client sent and output items). */
  itemIds: Set<string>;
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

let counter = 0;
const nextId = (prefix: string): string => `${prefix}_${(++counter).toString(16).padStart(8, '0')}standin`;

export async function startResponsesStandIn(model: ResponsesStandIn['model'] = () => ({ output: [{ type: 'message', deltas: ['Hello.'] }] })): Promise<ResponsesStandIn> {
  const stored = new Map<string, StoredResponse>();
  /** Every function call streamed (stored or not) -> the reasoning item that came before it in its response. */
  const reasoningOf = new Map<string, string>();
  /** Ids of the output items of every stored response: the API finds those by id, whatever the chain. */
  const storedItems = new Set<string>();
  const requests: Recorded[] = [];
  const standIn: ResponsesStandIn = { url: '', requests, model, close: async () => {} };

  function items(body: ResponsesRequest): InputItem[] {
    return typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : body.input;
  }

  /** The checks the real API makes before it streams anything. */
  function check(body: ResponsesRequest): StoredResponse | undefined {
    if (body.reasoning && !isReasoningModel(body.model)) {
      const option = Object.keys(body.reasoning)[0] ?? 'effort';
      throw new Refusal(400, `Unsupported parameter: 'reasoning.${option}' is not supported with this model.`, `reasoning.${option}`, 'unsupported_parameter');
    }
    const previous = body.previous_response_id ? stored.get(body.previous_response_id) : undefined;
    if (body.previous_response_id && !previous) {
      throw new Refusal(404, `Previous response with id '${body.previous_response_id}' not found.`, 'previous_response_id', 'previous_response_not_found');
    }
    const input = items(body);
    for (const item of input) {
      if (item.type === 'reasoning' && item.id && !item.encrypted_content && !storedItems.has(item.id)) {
        throw new Refusal(404, `Item with id '${item.id}' not found. Items are not persisted when \`store\` is set to false. Try again with \`store\` set to true, or remove this item from your input.`, 'input');
      }
    }
    const sentIds = new Set(input.flatMap(item => (item.id ? [item.id] : [])));
    for (const item of input) {
      const reasoning = item.type === 'function_call' && item.id ? reasoningOf.get(item.id) : undefined;
      if (reasoning && !sentIds.has(reasoning) && !storedItems.has(reasoning)) {
        throw new Refusal(400, `Item '${item.id}' of type 'function_call' was provided without its required 'reasoning' item: '${reasoning}'.`, 'input');
      }
    }
    const calls = new Set(previous?.output.filter(item => item.type === 'function_call').map(item => item.call_id as string));
    const answered = new Set<string>();
    for (const item of input) {
      if (item.type === 'function_call' && item.call_id) calls.add(item.call_id);
      if (item.type === 'function_call_output') {
        if (!item.call_id || !calls.has(item.call_id)) throw new Refusal(400, `No tool call found for function call output with call_id ${item.call_id}.`, 'input');
        answered.add(item.call_id);
      }
    }
    for (const call of calls) if (!answered.has(call)) throw new Refusal(400, `No tool output found for function call ${call}.`, 'input');
    return previous;
  }

  function addOutput(output: Record<string, unknown>[], item: Record<string, unknown> | undefined): void {
    if (!item) return;
    const before = output.at(-1);
    if (item.type === 'function_call' && before?.type === 'reasoning') reasoningOf.set(item.id as string, before.id as string);
    output.push(item);
  }

  function remember(body: ResponsesRequest, response: { id: string; output: Record<string, unknown>[] }, previous: StoredResponse | undefined): void {
    if (body.store === false) return;
    const itemIds = new Set([...(previous?.itemIds ?? []), ...items(body).flatMap(item => (item.id ? [item.id] : [])), ...response.output.map(item => item.id as string)]);
    stored.set(response.id, { output: response.output, previous: body.previous_response_id, itemIds });
    for (const item of response.output) storedItems.add(item.id as string);
  }

  /** `stream` not true: the whole response as one JSON body, as the API answers then. */
  async function answerWhole(body: ResponsesRequest, reply: Reply, res: ServerResponse, recorded: Recorded, previous: StoredResponse | undefined): Promise<void> {
    if (!('output' in reply)) {
      recorded.status = 500;
      res.writeHead(500, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { message: 'The stand-in fails only streamed responses this way.', type: 'server_error', param: null, code: null } }));
      return;
    }
    const response = responseFor(body);
    for (const spec of reply.output) {
      addOutput(response.output, await streamItem(spec, response.output.length, body, async () => {}));
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ ...response, status: 'completed', usage: USAGE }));
    remember(body, response, previous);
  }

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const recorded: Recorded = { body: JSON.parse(raw) as ResponsesRequest, authorization: req.headers.authorization, path: req.url ?? '', status: 200, closedEarly: false };
    requests.push(recorded);
    res.on('close', () => (recorded.closedEarly = !res.writableFinished));
    const body = recorded.body;
    const refuse = (refusal: Refusal) => {
      recorded.status = refusal.status;
      res.writeHead(refusal.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { message: refusal.message, type: 'invalid_request_error', param: refusal.param, code: refusal.code } }));
    };
    if (req.method !== 'POST' || !req.url?.endsWith('/responses')) return refuse(new Refusal(404, `Invalid URL (${req.method} ${req.url})`));
    let previous: StoredResponse | undefined;
    try {
      previous = check(body);
    } catch (error) {
      if (error instanceof Refusal) return refuse(error);
      throw error;
    }
    const reply = standIn.model(body, requests.length);
    if ('fail' in reply && reply.fail === 'http') {
      recorded.status = reply.status;
      res.writeHead(reply.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { message: reply.message, type: 'server_error', param: null, code: null } }));
      return;
    }
    if ('fail' in reply && reply.fail === 'hang') return;
    if (body.stream !== true) return answerWhole(body, reply, res, recorded, previous);

    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8' });
    let sequence = 0;
    const send = async (data: Record<string, unknown>) => {
      if (res.destroyed) throw new Error('client gone');
      res.write(`event: ${data.type as string}\ndata: ${JSON.stringify({ ...data, sequence_number: sequence++ })}\n\n`);
      if ('output' in reply && reply.delayMs) await new Promise(resolve => setTimeout(resolve, reply.delayMs));
    };
    const response = responseFor(body);
    try {
      await send({ type: 'response.created', response });
      await send({ type: 'response.in_progress', response });
      if ('fail' in reply) {
        if (reply.fail === 'stall') return;
        if (reply.fail === 'garbage') {
          res.write('event: response.output_item.added\ndata: {"type":"response.output_item.added","item":{"id":\n\n');
        } else if (reply.fail === 'error-event') {
          await send({ type: 'error', code: 'server_error', message: reply.message, param: null });
        } else {
          await send({ type: 'response.failed', response: { ...response, status: 'failed', error: { code: 'server_error', message: reply.message } } });
        }
        res.end();
        return;
      }
      for (const spec of reply.output) {
        addOutput(response.output, await streamItem(spec, response.output.length, body, send));
      }
      await send({ type: 'response.completed', response: { ...response, status: 'completed', usage: USAGE } });
      res.end();
    } catch {
      // the client went away mid-stream: nothing is completed, nothing is stored
      return;
    }
    remember(body, response, previous);
  }

  const server = createServer((req, res) => {
    answer(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  standIn.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  standIn.close = async () => {
    server.closeAllConnections();
    await new Promise(resolve => server.close(resolve));
  };
  return standIn;
}

type Send = (data: Record<string, unknown>) => Promise<void>;

const USAGE = { input_tokens: 10, input_tokens_details: { cached_tokens: 0 }, output_tokens: 10, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 20 };

/** A new response object, as `response.created` shows it. */
function responseFor(body: ResponsesRequest) {
  return {
    id: nextId('resp'),
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: 'in_progress',
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    model: body.model,
    output: [] as Record<string, unknown>[],
    parallel_tool_calls: true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: body.reasoning ?? { effort: null, summary: null },
    store: body.store !== false,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: body.tools ?? [],
    top_p: 1,
    truncation: 'disabled',
    usage: null as unknown,
    metadata: {},
  };
}

async function streamItem(spec: OutputSpec, output_index: number, body: ResponsesRequest, send: Send): Promise<Record<string, unknown> | undefined> {
  if (spec.type === 'message') {
    const id = nextId('msg');
    const item_id = id;
    await send({ type: 'response.output_item.added', output_index, item: { id, type: 'message', status: 'in_progress', content: [], role: 'assistant' } });
    await send({ type: 'response.content_part.added', item_id, output_index, content_index: 0, part: { type: 'output_text', annotations: [], logprobs: [], text: '' } });
    for (const delta of spec.deltas) await send({ type: 'response.output_text.delta', item_id, output_index, content_index: 0, delta, logprobs: [] });
    const annotations = spec.annotations ?? [];
    for (const [annotation_index, annotation] of annotations.entries()) {
      await send({ type: 'response.output_text.annotation.added', item_id, output_index, content_index: 0, annotation_index, annotation });
    }
    const text = spec.deltas.join('');
    await send({ type: 'response.output_text.done', item_id, output_index, content_index: 0, text, logprobs: [] });
    const part = { type: 'output_text', annotations, logprobs: [], text };
    await send({ type: 'response.content_part.done', item_id, output_index, content_index: 0, part });
    const item = { id, type: 'message', status: 'completed', content: [part], role: 'assistant' };
    await send({ type: 'response.output_item.done', output_index, item });
    return item;
  }
  if (spec.type === 'reasoning') {
    if (!isReasoningModel(body.model)) return undefined;
    const id = nextId('rs');
    const encrypted = body.include?.includes('reasoning.encrypted_content') ? { encrypted_content: `gAAAA${id}` } : {};
    await send({ type: 'response.output_item.added', output_index, item: { id, type: 'reasoning', summary: [], ...encrypted } });
    const summaries = body.reasoning?.summary ? spec.summary : [];
    for (const [summary_index, text] of summaries.entries()) {
      await send({ type: 'response.reasoning_summary_part.added', item_id: id, output_index, summary_index, part: { type: 'summary_text', text: '' } });
      const words = text.split(/(?<= )/);
      for (const delta of words) await send({ type: 'response.reasoning_summary_text.delta', item_id: id, output_index, summary_index, delta, obfuscation: 'x' });
      await send({ type: 'response.reasoning_summary_text.done', item_id: id, output_index, summary_index, text });
      await send({ type: 'response.reasoning_summary_part.done', item_id: id, output_index, summary_index, part: { type: 'summary_text', text } });
    }
    const item = { id, type: 'reasoning', summary: summaries.map(text => ({ type: 'summary_text', text })), ...encrypted };
    await send({ type: 'response.output_item.done', output_index, item });
    return item;
  }
  const id = nextId('fc');
  const call_id = spec.callId ?? nextId('call');
  const args = JSON.stringify(spec.arguments);
  await send({ type: 'response.output_item.added', output_index, item: { id, type: 'function_call', status: 'in_progress', arguments: '', call_id, name: spec.name } });
  await send({ type: 'response.function_call_arguments.delta', item_id: id, output_index, delta: args });
  await send({ type: 'response.function_call_arguments.done', item_id: id, output_index, arguments: args });
  const item = { id, type: 'function_call', status: 'completed', arguments: args, call_id, name: spec.name };
  await send({ type: 'response.output_item.done', output_index, item });
  return item;
}
