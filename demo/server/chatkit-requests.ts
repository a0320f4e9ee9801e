// Parsing and checking a ChatKit request body: `{ type, params, metadata? }`. Anything malformed is
// an HttpError 400 that names the offending field; nothing unchecked reaches the handlers.
import type { InferenceOptions, UserMessageContent, UserMessageInput } from './chatkit-types.js';
import { HttpError } from './http-errors.js';
import type { FeedbackKind, PageRequest } from './store.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export type ChatKitRequest =
  | { type: 'threads.create'; input: UserMessageInput }
  | { type: 'threads.add_user_message'; threadId: string; input: UserMessageInput }
  | { type: 'threads.retry_after_item'; threadId: string; itemId: string }
  | { type: 'threads.get_by_id'; threadId: string }
  | { type: 'threads.list'; page: PageRequest }
  | { type: 'items.list'; threadId: string; page: PageRequest }
  | { type: 'threads.update'; threadId: string; title: string }
  | { type: 'threads.delete'; threadId: string }
  | { type: 'items.feedback'; threadId: string; itemIds: string[]; kind: FeedbackKind }
  /** Part of the protocol, not of this server: streaming ones answer an in-band error. */
  | { type: 'unsupported'; name: string; threadId?: string; streaming: boolean };

/** Protocol request types this server does not implement (no tools, widgets, attachments, audio). */
const UNSUPPORTED_STREAMING = new Set(['threads.add_client_tool_output', 'threads.custom_action', 'threads.add_structured_input']);
const UNSUPPORTED_JSON = new Set(['attachments.create', 'attachments.delete', 'input.transcribe', 'threads.sync_custom_action']);

type Json = Record<string, unknown>;

const invalid = (code: string, message: string) => new HttpError(400, code, message);

export function parseChatKitRequest(body: Uint8Array): ChatKitRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw invalid('invalid_json', 'The request body is not valid JSON.');
  }
  if (!isObject(parsed)) throw invalid('invalid_request', 'The request body must be a JSON object.');
  const { type, params } = parsed;
  if (typeof type !== 'string') throw invalid('invalid_request', 'The request needs a string "type".');
  if (!isObject(params)) throw invalid('invalid_params', `"params" must be an object for ${type}.`);

  switch (type) {
    case 'threads.create':
      return { type, input: userInput(params.input) };
    case 'threads.add_user_message':
      return { type, threadId: string(params, 'thread_id'), input: userInput(params.input) };
    case 'threads.retry_after_item':
      return { type, threadId: string(params, 'thread_id'), itemId: string(params, 'item_id') };
    case 'threads.get_by_id':
    case 'threads.delete':
      return { type, threadId: string(params, 'thread_id') };
    case 'threads.list':
      return { type, page: pageRequest(params) };
    case 'items.list':
      return { type, threadId: string(params, 'thread_id'), page: pageRequest(params) };
    case 'threads.update':
      return { type, threadId: string(params, 'thread_id'), title: string(params, 'title', { allowEmpty: true }) };
    case 'items.feedback': {
      const itemIds = params.item_ids;
      if (!Array.isArray(itemIds) || !itemIds.every(id => typeof id === 'string' && !id.includes('\0'))) {
        throw invalid('invalid_params', 'params.item_ids must be an array of strings (without U+0000).');
      }
      const kind = params.kind;
      if (kind !== 'positive' && kind !== 'negative') throw invalid('invalid_params', 'params.kind must be "positive" or "negative".');
      return { type, threadId: string(params, 'thread_id'), itemIds, kind };
    }
  }
  if (UNSUPPORTED_STREAMING.has(type)) return { type: 'unsupported', name: type, threadId: string(params, 'thread_id'), streaming: true };
  if (UNSUPPORTED_JSON.has(type)) return { type: 'unsupported', name: type, streaming: false };
  throw invalid('unknown_type', `Unknown request type "${type.slice(0, 80)}".`);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Ids, cursors and titles never hold U+0000: PostgreSQL's text cannot store it, and refusing it here
// keeps both stores answering alike (message text is stored as JSON, where it is escaped).
function string(params: Json, key: string, { allowEmpty = false } = {}): string {
  const value = params[key];
  if (typeof value !== 'string' || (!allowEmpty && value === '')) throw invalid('invalid_params', `params.${key} must be a non-empty string.`);
  if (value.includes('\0')) throw invalid('invalid_params', `params.${key} must not contain U+0000.`);
  return value;
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid('invalid_params', `${name} must be a string.`);
  return value;
}

function pageRequest(params: Json): PageRequest {
  const { limit, order } = params;
  if (limit !== undefined && limit !== null && !(Number.isInteger(limit) && (limit as number) > 0)) {
    throw invalid('invalid_params', 'params.limit must be a positive integer.');
  }
  if (order !== undefined && order !== 'asc' && order !== 'desc') throw invalid('invalid_params', 'params.order must be "asc" or "desc".');
  const after = optionalString(params.after, 'params.after');
  if (after?.includes('\0')) throw invalid('invalid_params', 'params.after must not contain U+0000.');
  return {
    limit: Math.min(typeof limit === 'number' ? limit : DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
    order: order ?? 'desc',
    ...(after !== undefined && { after }),
  };
}

function userInput(value: unknown): UserMessageInput {
  if (!isObject(value)) throw invalid('invalid_params', 'params.input must be an object.');
  const { content, attachments, quoted_text: quotedText, inference_options: options } = value;
  if (!Array.isArray(content) || content.length === 0) throw invalid('invalid_params', 'params.input.content must be a non-empty array.');
  if (attachments !== undefined && !Array.isArray(attachments)) throw invalid('invalid_params', 'params.input.attachments must be an array.');
  if (attachments?.length) throw invalid('attachments_unsupported', 'This server does not accept attachments.');
  const quoted = optionalString(quotedText, 'params.input.quoted_text');
  return {
    content: content.map(contentPart),
    ...(quoted !== undefined && { quoted_text: quoted }),
    inference_options: inferenceOptions(options),
  };
}

function contentPart(part: unknown, index: number): UserMessageContent {
  const name = `params.input.content[${index}]`;
  if (!isObject(part)) throw invalid('invalid_params', `${name} must be an object.`);
  const text = part.text;
  if (typeof text !== 'string') throw invalid('invalid_params', `${name}.text must be a string.`);
  if (part.type === 'input_text' || part.type === undefined) return { type: 'input_text', text };
  if (part.type === 'input_tag') {
    const { id, data, interactive } = part;
    if (typeof id !== 'string') throw invalid('invalid_params', `${name}.id must be a string.`);
    if (!isObject(data)) throw invalid('invalid_params', `${name}.data must be an object.`);
    if (interactive !== undefined && typeof interactive !== 'boolean') throw invalid('invalid_params', `${name}.interactive must be a boolean.`);
    const group = optionalString(part.group, `${name}.group`);
    return {
      type: 'input_tag',
      id,
      text,
      data,
      ...(group !== undefined && { group }),
      ...(interactive !== undefined && { interactive }),
    };
  }
  throw invalid('invalid_params', `${name}.type must be "input_text" or "input_tag".`);
}

function inferenceOptions(value: unknown): InferenceOptions {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw invalid('invalid_params', 'params.input.inference_options must be an object.');
  const options: InferenceOptions = {};
  const model = optionalString(value.model, 'params.input.inference_options.model');
  if (model !== undefined) options.model = model;
  const toolChoice = value.tool_choice;
  if (toolChoice !== undefined && toolChoice !== null) {
    if (!isObject(toolChoice) || typeof toolChoice.id !== 'string') {
      throw invalid('invalid_params', 'params.input.inference_options.tool_choice must be { id: string }.');
    }
    options.tool_choice = { id: toolChoice.id };
  }
  return options;
}
