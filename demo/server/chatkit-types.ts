// The parts of ChatKit's wire format this server speaks (chatkit-python 1.6.5 types; see
// test/server/chatkit-schema). Null fields are omitted, never sent as null; times are ISO-8601.

export interface Page<T> {
  data: T[];
  has_more: boolean;
  after?: string;
}

export interface ThreadMetadata {
  title?: string;
  id: string;
  created_at: string;
  status: { type: 'active' };
  metadata: Record<string, unknown>;
}

export interface Thread extends ThreadMetadata {
  items: Page<ThreadItem>;
}

export interface InferenceOptions {
  tool_choice?: { id: string };
  model?: string;
}

export type UserMessageContent =
  | { type: 'input_text'; text: string }
  | { type: 'input_tag'; id: string; text: string; data: Record<string, unknown>; group?: string; interactive?: boolean };

export interface UserMessageInput {
  content: UserMessageContent[];
  quoted_text?: string;
  inference_options: InferenceOptions;
}

export interface UserMessageItem {
  id: string;
  thread_id: string;
  created_at: string;
  type: 'user_message';
  content: UserMessageContent[];
  attachments: never[];
  quoted_text?: string;
  inference_options: InferenceOptions;
}

export interface AssistantMessageContent {
  annotations: never[];
  text: string;
  type: 'output_text';
}

export interface AssistantMessageItem {
  id: string;
  thread_id: string;
  created_at: string;
  type: 'assistant_message';
  content: AssistantMessageContent[];
}

export type ThreadItem = UserMessageItem | AssistantMessageItem;

export type ItemUpdate =
  | { type: 'assistant_message.content_part.added'; content_index: number; content: AssistantMessageContent }
  | { type: 'assistant_message.content_part.text_delta'; content_index: number; delta: string }
  | { type: 'assistant_message.content_part.done'; content_index: number; content: AssistantMessageContent };

export type StreamEvent =
  | { type: 'thread.created'; thread: Thread }
  | { type: 'thread.updated'; thread: Thread }
  | { type: 'thread.item.added'; item: ThreadItem }
  | { type: 'thread.item.updated'; item_id: string; update: ItemUpdate }
  | { type: 'thread.item.done'; item: ThreadItem }
  | { type: 'stream_options'; stream_options: { allow_cancel: boolean } }
  | { type: 'progress_update'; icon?: string; text: string }
  | { type: 'notice'; level: 'info' | 'warning' | 'danger'; message: string; title?: string }
  | { type: 'error'; code: 'stream.error' | 'custom'; message?: string; allow_retry: boolean };

export function outputText(text: string): AssistantMessageContent {
  return { annotations: [], text, type: 'output_text' };
}

/** A thread as sent to the client; `items` is an empty page unless given. */
export function threadOf(metadata: ThreadMetadata, items: Page<ThreadItem> = { data: [], has_more: false }): Thread {
  return { ...metadata, items };
}

/** The plain text of a message, for titles and for the responders' history. */
export function itemText(item: ThreadItem): string {
  return item.content.map(part => part.text).join(item.type === 'user_message' ? ' ' : '');
}
