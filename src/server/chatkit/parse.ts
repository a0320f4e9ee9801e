// Reading a request body into a ChatKitRequest, with the checks chatkit-python's pydantic models make
// (required fields, types, literals; unknown fields and request-level `metadata` ignored). A failure is
// a ChatKitHttpError 400 naming the field, never an exception with the body in it.
import { ChatKitHttpError } from './errors.js';
import type {
  Action,
  ChatKitRequest,
  ChatKitRequestType,
  InferenceOptions,
  StructuredInputSubmission,
  UserMessageContent,
  UserMessageInput,
} from './types.js';

type Json = Record<string, unknown>;

const invalid = (path: string, expected: string) => new ChatKitHttpError(400, 'invalid_request', `${path}: expected ${expected}.`);

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function object(value: unknown, path: string): Json {
  if (!isObject(value)) throw invalid(path, 'an object');
  return value;
}

function string(value: unknown, path: string): string {
  if (typeof value !== 'string') throw invalid(path, 'a string');
  return value;
}

function optionalString(value: unknown, path: string): string | undefined {
  return value === undefined || value === null ? undefined : string(value, path);
}

function integer(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw invalid(path, 'an integer');
  return value;
}

function strings(value: unknown, path: string): string[] {
  if (!Array.isArray(value)) throw invalid(path, 'an array of strings');
  value.forEach((entry, index) => string(entry, `${path}[${index}]`));
  return value as string[];
}

function literal<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw invalid(path, allowed.map(option => JSON.stringify(option)).join(' or '));
  return value as T;
}

/** The first page size when `limit` is absent, null or 0 (chatkit-python's DEFAULT_PAGE_SIZE). */
export const DEFAULT_PAGE_SIZE = 20;
/** The largest page a client may ask for. */
export const MAX_PAGE_SIZE = 1000;

function pageParams(params: Json, path: string): { limit: number; order: 'asc' | 'desc'; after?: string } {
  let limit = DEFAULT_PAGE_SIZE;
  if (params.limit !== undefined && params.limit !== null) {
    limit = integer(params.limit, `${path}.limit`);
    if (limit < 0 || limit > MAX_PAGE_SIZE) throw invalid(`${path}.limit`, `0 to ${MAX_PAGE_SIZE}`);
    if (limit === 0) limit = DEFAULT_PAGE_SIZE;
  }
  const order = params.order === undefined ? 'desc' : literal(params.order, `${path}.order`, ['asc', 'desc'] as const);
  const after = optionalString(params.after, `${path}.after`);
  return after === undefined ? { limit, order } : { limit, order, after };
}

function content(value: unknown, path: string): UserMessageContent {
  const part = object(value, path);
  if (part.type === 'input_text' || part.type === undefined) return { type: 'input_text', text: string(part.text, `${path}.text`) };
  if (part.type === 'input_tag') {
    const group = optionalString(part.group, `${path}.group`);
    if (part.interactive !== undefined && typeof part.interactive !== 'boolean') throw invalid(`${path}.interactive`, 'a boolean');
    return {
      type: 'input_tag',
      id: string(part.id, `${path}.id`),
      text: string(part.text, `${path}.text`),
      data: object(part.data, `${path}.data`),
      ...(group !== undefined && { group }),
      interactive: (part.interactive as boolean | undefined) ?? false,
    };
  }
  throw invalid(`${path}.type`, '"input_text" or "input_tag"');
}

function inferenceOptions(value: unknown, path: string): InferenceOptions {
  const options = object(value, path);
  const result: InferenceOptions = {};
  if (options.tool_choice !== undefined && options.tool_choice !== null) {
    result.tool_choice = { id: string(object(options.tool_choice, `${path}.tool_choice`).id, `${path}.tool_choice.id`) };
  }
  const model = optionalString(options.model, `${path}.model`);
  if (model !== undefined) result.model = model;
  return result;
}

function userMessageInput(value: unknown, path: string): UserMessageInput {
  const input = object(value, path);
  if (!Array.isArray(input.content)) throw invalid(`${path}.content`, 'an array');
  const parts = input.content.map((part, index) => content(part, `${path}.content[${index}]`));
  const attachments = strings(input.attachments, `${path}.attachments`);
  const quoted = optionalString(input.quoted_text, `${path}.quoted_text`);
  const options = inferenceOptions(input.inference_options, `${path}.inference_options`);
  return { content: parts, attachments, ...(quoted !== undefined && { quoted_text: quoted }), inference_options: options };
}

function action(value: unknown, path: string): Action {
  const raw = object(value, path);
  const type = string(raw.type, `${path}.type`);
  return raw.payload === undefined || raw.payload === null ? { type } : { type, payload: raw.payload };
}

function structuredSubmission(value: unknown, path: string): StructuredInputSubmission {
  const raw = object(value, path);
  const status = raw.status === undefined ? 'answered' : literal(raw.status, `${path}.status`, ['answered', 'skipped'] as const);
  const answers: NonNullable<StructuredInputSubmission['answers']> = {};
  if (raw.answers !== undefined) {
    for (const [id, answer] of Object.entries(object(raw.answers, `${path}.answers`))) {
      const entry = object(answer, `${path}.answers.${id}`);
      if (entry.skipped !== undefined && typeof entry.skipped !== 'boolean') throw invalid(`${path}.answers.${id}.skipped`, 'a boolean');
      answers[id] = {
        values: entry.values === undefined ? [] : strings(entry.values, `${path}.answers.${id}.values`),
        skipped: (entry.skipped as boolean | undefined) ?? false,
      };
    }
  }
  return { status, answers };
}

const parsers: { [T in ChatKitRequestType]: (params: Json, path: string) => Extract<ChatKitRequest, { type: T }>['params'] } = {
  'threads.create': (p, path) => ({ input: userMessageInput(p.input, `${path}.input`) }),
  'threads.add_user_message': (p, path) => ({ input: userMessageInput(p.input, `${path}.input`), thread_id: string(p.thread_id, `${path}.thread_id`) }),
  'threads.add_client_tool_output': (p, path) => {
    if (!('result' in p)) throw invalid(`${path}.result`, 'a value (null allowed)');
    return { thread_id: string(p.thread_id, `${path}.thread_id`), result: p.result };
  },
  'threads.add_structured_input': (p, path) => ({
    thread_id: string(p.thread_id, `${path}.thread_id`),
    item_id: string(p.item_id, `${path}.item_id`),
    input: structuredSubmission(p.input, `${path}.input`),
  }),
  'threads.retry_after_item': (p, path) => ({ thread_id: string(p.thread_id, `${path}.thread_id`), item_id: string(p.item_id, `${path}.item_id`) }),
  'threads.custom_action': (p, path) => customAction(p, path),
  'threads.sync_custom_action': (p, path) => customAction(p, path),
  'threads.get_by_id': (p, path) => ({ thread_id: string(p.thread_id, `${path}.thread_id`) }),
  'threads.list': (p, path) => pageParams(p, path),
  'threads.update': (p, path) => ({ thread_id: string(p.thread_id, `${path}.thread_id`), title: string(p.title, `${path}.title`) }),
  'threads.delete': (p, path) => ({ thread_id: string(p.thread_id, `${path}.thread_id`) }),
  'items.list': (p, path) => ({ thread_id: string(p.thread_id, `${path}.thread_id`), ...pageParams(p, path) }),
  'items.feedback': (p, path) => ({
    thread_id: string(p.thread_id, `${path}.thread_id`),
    item_ids: strings(p.item_ids, `${path}.item_ids`),
    kind: literal(p.kind, `${path}.kind`, ['positive', 'negative'] as const),
  }),
  'attachments.create': (p, path) => {
    const size = integer(p.size, `${path}.size`);
    if (size < 0) throw invalid(`${path}.size`, 'a size in bytes (0 or more)');
    return { name: string(p.name, `${path}.name`), size, mime_type: string(p.mime_type, `${path}.mime_type`) };
  },
  'attachments.delete': (p, path) => ({ attachment_id: string(p.attachment_id, `${path}.attachment_id`) }),
  'input.transcribe': (p, path) => ({ audio_base64: string(p.audio_base64, `${path}.audio_base64`), mime_type: string(p.mime_type, `${path}.mime_type`) }),
};

function customAction(p: Json, path: string): { thread_id: string; item_id?: string; action: Action } {
  const itemId = optionalString(p.item_id, `${path}.item_id`);
  const thread_id = string(p.thread_id, `${path}.thread_id`);
  return itemId === undefined ? { thread_id, action: action(p.action, `${path}.action`) } : { thread_id, item_id: itemId, action: action(p.action, `${path}.action`) };
}

/** The 16 request types. */
export const REQUEST_TYPES = Object.keys(parsers) as ChatKitRequestType[];

const STREAMING = new Set<ChatKitRequestType>([
  'threads.create',
  'threads.add_user_message',
  'threads.add_client_tool_output',
  'threads.add_structured_input',
  'threads.retry_after_item',
  'threads.custom_action',
]);

export const isStreamingRequest = (type: ChatKitRequestType) => STREAMING.has(type);

/** The request in `body` (UTF-8 JSON), checked; ChatKitHttpError 400 otherwise. */
export function parseRequest(body: string): ChatKitRequest {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new ChatKitHttpError(400, 'invalid_json', 'The body is not JSON.');
  }
  const request = object(raw, 'body');
  const type = request.type;
  if (typeof type !== 'string' || !Object.hasOwn(parsers, type)) {
    throw new ChatKitHttpError(400, 'unknown_request_type', `body.type: expected one of ${REQUEST_TYPES.join(', ')}.`);
  }
  const parse = parsers[type as ChatKitRequestType] as (params: Json, path: string) => ChatKitRequest['params'];
  return { type, params: parse(object(request.params, 'body.params'), 'body.params') } as ChatKitRequest;
}
