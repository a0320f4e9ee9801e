// ChatKit's wire types, snake_case exactly as chatkit-python 1.6.5 declares them (chatkit/types.py;
// JSON Schemas in test/server/chatkit-schema). A field chatkit-python sends only when it is not None is
// optional here and is left out rather than set to undefined or null; fields with a non-None default
// (`attachments: []`, `status_indicator: 'none'`, ...) are required, because the reference always sends
// them.

/**
 * A widget's root: `Card`, `ListView` or `Basic`. @openai/chatkit's `Widgets.WidgetRoot` (`import type
 * { Widgets } from '@openai/chatkit'`) fits it: use those types to build widgets. They are not imported
 * here because @openai/chatkit's declarations do not resolve under `moduleResolution: "nodenext"`
 * (extensionless relative imports), which Node servers use.
 */
export interface WidgetRoot {
  type: string;
  id?: string;
  key?: string;
  children?: unknown[];
  [prop: string]: unknown;
}

/** A component of a widget (`Text`, `Button`, ...): @openai/chatkit's `Widgets.WidgetComponent` fits it. */
export interface WidgetComponent {
  type: string;
  id?: string;
  key?: string;
  [prop: string]: unknown;
}

/** A widget action: `type` names it, `payload` is yours. */
export interface Action<TPayload = unknown> {
  type: string;
  payload?: TPayload;
}

/** ISO-8601 with an offset (`new Date().toISOString()`); the reference sends naive local time. */
export type Timestamp = string;

export interface Page<T> {
  data: T[];
  has_more: boolean;
  /** The cursor for the next page: the last item's id. Absent on the last page. */
  after?: string;
}

export type ThreadStatus = { type: 'active' } | { type: 'locked'; reason?: string } | { type: 'closed'; reason?: string };

export interface ThreadMetadata {
  title?: string;
  id: string;
  created_at: Timestamp;
  status: ThreadStatus;
  allowed_image_domains?: string[];
  /** Yours (server-side); the reference never sends it to the client (always `{}` on the wire). */
  metadata: Record<string, unknown>;
}

export interface Thread extends ThreadMetadata {
  items: Page<ThreadItem>;
}

// -- user input -------------------------------------------------------------------------------------

export interface ToolChoice {
  id: string;
}

export interface InferenceOptions {
  tool_choice?: ToolChoice;
  model?: string;
}

export interface UserMessageTextContent {
  type: 'input_text';
  text: string;
}

export interface UserMessageTagContent {
  type: 'input_tag';
  id: string;
  text: string;
  data: Record<string, unknown>;
  group?: string;
  interactive: boolean;
}

export type UserMessageContent = UserMessageTextContent | UserMessageTagContent;

/** The composer's message as the client sends it (`attachments` are ids). */
export interface UserMessageInput {
  content: UserMessageContent[];
  attachments: string[];
  quoted_text?: string;
  inference_options: InferenceOptions;
}

// -- attachments ------------------------------------------------------------------------------------

export interface AttachmentUploadDescriptor {
  url: string;
  method: 'POST' | 'PUT';
  headers?: Record<string, string>;
}

interface AttachmentBase {
  id: string;
  name: string;
  mime_type: string;
  /** Where the client uploads the bytes (two-phase upload); cleared once uploaded. */
  upload_descriptor?: AttachmentUploadDescriptor;
  /** Set when a message using it is added. */
  thread_id?: string;
  /** Server-only: stored, never sent to the client. */
  metadata?: Record<string, unknown>;
}

export interface FileAttachment extends AttachmentBase {
  type: 'file';
}

export interface ImageAttachment extends AttachmentBase {
  type: 'image';
  preview_url: string;
}

export type Attachment = FileAttachment | ImageAttachment;

// -- thread items -----------------------------------------------------------------------------------

interface ItemBase {
  id: string;
  thread_id: string;
  created_at: Timestamp;
}

export interface UserMessageItem extends ItemBase {
  type: 'user_message';
  content: UserMessageContent[];
  attachments: Attachment[];
  quoted_text?: string;
  inference_options: InferenceOptions;
}

export interface URLSource {
  title: string;
  description?: string;
  timestamp?: string;
  group?: string;
  type: 'url';
  url: string;
  attribution?: string;
}

export interface FileSource {
  title: string;
  description?: string;
  timestamp?: string;
  group?: string;
  type: 'file';
  filename: string;
}

export interface EntitySource {
  title: string;
  description?: string;
  timestamp?: string;
  group?: string;
  type: 'entity';
  id: string;
  icon?: string;
  label?: string;
  inline_label?: string;
  interactive?: boolean;
  data?: Record<string, unknown>;
  preview?: 'lazy';
}

export type Source = URLSource | FileSource | EntitySource;

export interface Annotation {
  type: 'annotation';
  source: Source;
  /** Character offset in the text the annotation belongs after. */
  index?: number;
}

export interface AssistantMessageContent {
  annotations: Annotation[];
  text: string;
  type: 'output_text';
}

export interface AssistantMessageItem extends ItemBase {
  type: 'assistant_message';
  content: AssistantMessageContent[];
}

export interface ClientToolCallItem extends ItemBase {
  type: 'client_tool_call';
  status: 'pending' | 'completed';
  call_id: string;
  name: string;
  arguments: Record<string, unknown>;
  output?: unknown;
}

export interface WidgetItem extends ItemBase {
  type: 'widget';
  widget: WidgetRoot;
  copy_text?: string;
}

export interface GeneratedImage {
  id: string;
  url: string;
}

export interface GeneratedImageItem extends ItemBase {
  type: 'generated_image';
  image?: GeneratedImage;
}

export interface StructuredInputAnswer {
  values: string[];
  skipped: boolean;
}

export interface StructuredInputFreeform {
  id: string;
  question: string;
  answer?: StructuredInputAnswer;
  type: 'freeform';
  description?: string;
}

export interface StructuredInputMultipleChoiceOption {
  value: string;
}

export interface StructuredInputMultipleChoice {
  id: string;
  question: string;
  answer?: StructuredInputAnswer;
  type: 'multiple_choice';
  options: StructuredInputMultipleChoiceOption[];
  multiple: boolean;
}

export type StructuredInput = StructuredInputFreeform | StructuredInputMultipleChoice;

export interface StructuredInputItem extends ItemBase {
  type: 'structured_input';
  status: 'pending' | 'answered' | 'skipped';
  inputs: StructuredInput[];
}

export type TaskStatusIndicator = 'none' | 'loading' | 'complete';

interface TaskBase {
  status_indicator: TaskStatusIndicator;
  title?: string;
}

export interface CustomTask extends TaskBase {
  type: 'custom';
  icon?: string;
  content?: string;
}

export interface SearchTask extends TaskBase {
  type: 'web_search';
  title_query?: string;
  queries: string[];
  sources: URLSource[];
}

export interface ThoughtTask extends TaskBase {
  type: 'thought';
  content: string;
}

export interface FileTask extends TaskBase {
  type: 'file';
  sources: FileSource[];
}

export interface ImageTask extends TaskBase {
  type: 'image';
}

export type Task = CustomTask | SearchTask | ThoughtTask | FileTask | ImageTask;

export interface TaskItem extends ItemBase {
  type: 'task';
  task: Task;
}

export interface CustomSummary {
  title: string;
  icon?: string;
}

export interface DurationSummary {
  /** Seconds. */
  duration: number;
}

export interface Workflow {
  type: 'custom' | 'reasoning';
  tasks: Task[];
  summary?: CustomSummary | DurationSummary;
  expanded: boolean;
}

export interface WorkflowItem extends ItemBase {
  type: 'workflow';
  workflow: Workflow;
}

/** Context for the model that the client never sees (stored, swallowed from the stream). */
export interface HiddenContextItem extends ItemBase {
  type: 'hidden_context_item';
  content: unknown;
}

/** The same, written by the server itself (e.g. "the user stopped the reply"). */
export interface SDKHiddenContextItem extends ItemBase {
  type: 'sdk_hidden_context';
  content: string;
}

export interface EndOfTurnItem extends ItemBase {
  type: 'end_of_turn';
}

export type ThreadItem =
  | UserMessageItem
  | AssistantMessageItem
  | ClientToolCallItem
  | WidgetItem
  | GeneratedImageItem
  | StructuredInputItem
  | WorkflowItem
  | TaskItem
  | HiddenContextItem
  | SDKHiddenContextItem
  | EndOfTurnItem;

export type ThreadItemType = ThreadItem['type'];

// -- item updates (thread.item.updated) --------------------------------------------------------------

export interface AssistantMessageContentPartAdded {
  type: 'assistant_message.content_part.added';
  content_index: number;
  content: AssistantMessageContent;
}

export interface AssistantMessageContentPartTextDelta {
  type: 'assistant_message.content_part.text_delta';
  content_index: number;
  delta: string;
}

export interface AssistantMessageContentPartAnnotationAdded {
  type: 'assistant_message.content_part.annotation_added';
  content_index: number;
  annotation_index: number;
  annotation: Annotation;
}

export interface AssistantMessageContentPartDone {
  type: 'assistant_message.content_part.done';
  content_index: number;
  content: AssistantMessageContent;
}

export interface WidgetStreamingTextValueDelta {
  type: 'widget.streaming_text.value_delta';
  component_id: string;
  delta: string;
  done: boolean;
}

export interface WidgetComponentUpdated {
  type: 'widget.component.updated';
  component_id: string;
  component: WidgetComponent;
}

export interface WidgetRootUpdated {
  type: 'widget.root.updated';
  widget: WidgetRoot;
}

export interface WorkflowTaskAdded {
  type: 'workflow.task.added';
  task_index: number;
  task: Task;
}

export interface WorkflowTaskUpdated {
  type: 'workflow.task.updated';
  task_index: number;
  task: Task;
}

export interface GeneratedImageUpdated {
  type: 'generated_image.updated';
  image: GeneratedImage;
  /** 0 to 1. */
  progress?: number;
}

export type ThreadItemUpdate =
  | AssistantMessageContentPartAdded
  | AssistantMessageContentPartTextDelta
  | AssistantMessageContentPartAnnotationAdded
  | AssistantMessageContentPartDone
  | WidgetStreamingTextValueDelta
  | WidgetComponentUpdated
  | WidgetRootUpdated
  | WorkflowTaskAdded
  | WorkflowTaskUpdated
  | GeneratedImageUpdated;

// -- stream events ----------------------------------------------------------------------------------

export interface ThreadCreatedEvent {
  type: 'thread.created';
  thread: Thread;
}

export interface ThreadUpdatedEvent {
  type: 'thread.updated';
  thread: Thread;
}

export interface ThreadItemAddedEvent {
  type: 'thread.item.added';
  item: ThreadItem;
}

export interface ThreadItemUpdatedEvent {
  type: 'thread.item.updated';
  item_id: string;
  update: ThreadItemUpdate;
}

export interface ThreadItemDoneEvent {
  type: 'thread.item.done';
  item: ThreadItem;
}

export interface ThreadItemRemovedEvent {
  type: 'thread.item.removed';
  item_id: string;
}

export interface ThreadItemReplacedEvent {
  type: 'thread.item.replaced';
  item: ThreadItem;
}

export interface StreamOptions {
  allow_cancel: boolean;
}

export interface StreamOptionsEvent {
  type: 'stream_options';
  stream_options: StreamOptions;
}

export interface ProgressUpdateEvent {
  type: 'progress_update';
  icon?: string;
  text: string;
}

export interface ClientEffectEvent {
  type: 'client_effect';
  name: string;
  data: Record<string, unknown>;
}

export interface ErrorEvent {
  type: 'error';
  code: 'stream.error' | 'custom';
  message?: string;
  allow_retry: boolean;
}

export interface NoticeEvent {
  type: 'notice';
  level: 'info' | 'warning' | 'danger';
  /** Markdown. */
  message: string;
  title?: string;
}

export type ThreadStreamEvent =
  | ThreadCreatedEvent
  | ThreadUpdatedEvent
  | ThreadItemDoneEvent
  | ThreadItemAddedEvent
  | ThreadItemUpdatedEvent
  | ThreadItemRemovedEvent
  | ThreadItemReplacedEvent
  | StreamOptionsEvent
  | ProgressUpdateEvent
  | ClientEffectEvent
  | ErrorEvent
  | NoticeEvent;

// -- requests ---------------------------------------------------------------------------------------

export type SortOrder = 'asc' | 'desc';
export type FeedbackKind = 'positive' | 'negative';

export interface StructuredInputAnswerSubmission {
  values?: string[];
  skipped?: boolean;
}

export interface StructuredInputSubmission {
  status?: 'answered' | 'skipped';
  answers?: Record<string, StructuredInputAnswerSubmission>;
}

interface Req<T extends string, P> {
  type: T;
  params: P;
  /** Accepted and ignored, as the reference does. */
  metadata?: Record<string, unknown>;
}

export type ThreadsCreateReq = Req<'threads.create', { input: UserMessageInput }>;
export type ThreadsAddUserMessageReq = Req<'threads.add_user_message', { input: UserMessageInput; thread_id: string }>;
export type ThreadsAddClientToolOutputReq = Req<'threads.add_client_tool_output', { thread_id: string; result: unknown }>;
export type ThreadsAddStructuredInputReq = Req<'threads.add_structured_input', { thread_id: string; item_id: string; input: StructuredInputSubmission }>;
export type ThreadsRetryAfterItemReq = Req<'threads.retry_after_item', { thread_id: string; item_id: string }>;
export type ThreadsCustomActionReq = Req<'threads.custom_action', { thread_id: string; item_id?: string; action: Action }>;
export type ThreadsSyncCustomActionReq = Req<'threads.sync_custom_action', { thread_id: string; item_id?: string; action: Action }>;
export type ThreadsGetByIdReq = Req<'threads.get_by_id', { thread_id: string }>;
export type ThreadsListReq = Req<'threads.list', { limit?: number; order: SortOrder; after?: string }>;
export type ThreadsUpdateReq = Req<'threads.update', { thread_id: string; title: string }>;
export type ThreadsDeleteReq = Req<'threads.delete', { thread_id: string }>;
export type ItemsListReq = Req<'items.list', { thread_id: string; limit?: number; order: SortOrder; after?: string }>;
export type ItemsFeedbackReq = Req<'items.feedback', { thread_id: string; item_ids: string[]; kind: FeedbackKind }>;
export type AttachmentsCreateReq = Req<'attachments.create', { name: string; size: number; mime_type: string }>;
export type AttachmentsDeleteReq = Req<'attachments.delete', { attachment_id: string }>;
export type InputTranscribeReq = Req<'input.transcribe', { audio_base64: string; mime_type: string }>;

export type StreamingReq =
  | ThreadsCreateReq
  | ThreadsAddUserMessageReq
  | ThreadsAddClientToolOutputReq
  | ThreadsAddStructuredInputReq
  | ThreadsRetryAfterItemReq
  | ThreadsCustomActionReq;

export type NonStreamingReq =
  | ThreadsSyncCustomActionReq
  | ThreadsGetByIdReq
  | ThreadsListReq
  | ThreadsUpdateReq
  | ThreadsDeleteReq
  | ItemsListReq
  | ItemsFeedbackReq
  | AttachmentsCreateReq
  | AttachmentsDeleteReq
  | InputTranscribeReq;

export type ChatKitRequest = StreamingReq | NonStreamingReq;
export type ChatKitRequestType = ChatKitRequest['type'];

export interface SyncCustomActionResponse {
  updated_item?: WidgetItem;
}

export interface TranscriptionResult {
  text: string;
}
