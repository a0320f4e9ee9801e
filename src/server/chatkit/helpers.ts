// Building blocks for `respond` and `action`: each returns the events to yield (and the item it made),
// with ids from the reference's generator unless you pass your own (`generateId`), as chatkit-python's
// helpers do. Nothing here touches the store: the server persists what you yield.
import type { StoreItemType } from './store.js';
import type {
  Annotation,
  AssistantMessageItem,
  ClientEffectEvent,
  ClientToolCallItem,
  HiddenContextItem,
  NoticeEvent,
  ProgressUpdateEvent,
  StructuredInput,
  StructuredInputItem,
  Task,
  ThreadItem,
  ThreadItemAddedEvent,
  ThreadItemDoneEvent,
  ThreadItemRemovedEvent,
  ThreadItemReplacedEvent,
  ThreadItemUpdatedEvent,
  ThreadMetadata,
  ThreadStreamEvent,
  WidgetItem,
  WidgetRoot,
  Workflow,
  WorkflowItem,
} from './types.js';

export interface ItemOptions {
  /** The item's id; default: `generateId` of its type. */
  id?: string;
  /** Default: the reference's `<prefix>_<8 hex>` (defaultGenerateId). Pass `type => store.generateItemId(type, thread, context)` to use your store's. */
  generateId?: (type: StoreItemType) => string;
  /** Default: now, ISO-8601. */
  createdAt?: string;
}

/** A piece of an assistant message's text: a string, or a delta with annotations (sources) to attach. */
export type AssistantDelta = string | { delta?: string; annotations?: Annotation[] };

const notImplemented = (): never => {
  throw new Error('not implemented');
};

/** `thread.item.added` */
export function itemAdded(item: ThreadItem): ThreadItemAddedEvent {
  return { type: 'thread.item.added', item };
}
/** `thread.item.done`: the server stores the item. */
export function itemDone(item: ThreadItem): ThreadItemDoneEvent {
  return { type: 'thread.item.done', item };
}
/** `thread.item.removed`: the server deletes the item. */
export function itemRemoved(itemId: string): ThreadItemRemovedEvent {
  return { type: 'thread.item.removed', item_id: itemId };
}
/** `thread.item.replaced`: the server saves the item in place. */
export function itemReplaced(item: ThreadItem): ThreadItemReplacedEvent {
  return { type: 'thread.item.replaced', item };
}

/** A complete assistant message with one text part. */
export function assistantMessageItem(thread: ThreadMetadata, text: string, options?: ItemOptions & { annotations?: Annotation[] }): AssistantMessageItem {
  void thread, text, options;
  return notImplemented();
}

/**
 * Streams an assistant message: `thread.item.added`, `content_part.added`, one `text_delta` per
 * non-empty piece (and `annotation_added` per annotation), `content_part.done`, `thread.item.done`.
 * Returns the finished item. Stopped early (the client left), it yields nothing more; the server keeps
 * the text streamed so far.
 */
export async function* streamAssistantMessage(
  thread: ThreadMetadata,
  deltas: AsyncIterable<AssistantDelta> | Iterable<AssistantDelta>,
  options?: ItemOptions,
): AsyncGenerator<ThreadStreamEvent, AssistantMessageItem> {
  void thread, deltas, options;
  yield* [];
  return notImplemented();
}

/**
 * Streams a widget as chatkit-python's `stream_widget`: one root -> `thread.item.done`; an iterable of
 * successive roots -> `thread.item.added` (the first), the diff of each next root (`widget.root.updated`
 * or `widget.streaming_text.value_delta` for Text/Markdown with an id whose value grew), then
 * `thread.item.done` with the last.
 */
export async function* streamWidget(
  thread: ThreadMetadata,
  widget: WidgetRoot | AsyncIterable<WidgetRoot> | Iterable<WidgetRoot>,
  options?: ItemOptions & { copyText?: string },
): AsyncGenerator<ThreadStreamEvent, WidgetItem> {
  void thread, widget, options;
  yield* [];
  return notImplemented();
}

/** The `thread.item.updated` updates that turn widget `before` into `after` (chatkit-python's `diff_widget`). */
export function diffWidget(before: WidgetRoot, after: WidgetRoot): ThreadItemUpdatedEvent['update'][] {
  void before, after;
  return notImplemented();
}

/** A workflow item (`tasks: []`, `expanded: false` unless given); yield `itemAdded(item)` to show it. */
export function workflowItem(thread: ThreadMetadata, workflow?: Partial<Workflow>, options?: ItemOptions): WorkflowItem {
  void thread, workflow, options;
  return notImplemented();
}
/** Appends a task to the workflow item; returns the `workflow.task.added` event. */
export function addWorkflowTask(item: WorkflowItem, task: Task): ThreadItemUpdatedEvent {
  void item, task;
  return notImplemented();
}
/** Replaces task `taskIndex`; returns the `workflow.task.updated` event. */
export function updateWorkflowTask(item: WorkflowItem, taskIndex: number, task: Task): ThreadItemUpdatedEvent {
  void item, taskIndex, task;
  return notImplemented();
}
/** Closes the workflow (summary, collapsed unless `expanded`); returns `thread.item.done` (the server stores it). */
export function endWorkflow(item: WorkflowItem, options?: { summary?: Workflow['summary']; expanded?: boolean }): ThreadItemDoneEvent {
  void item, options;
  return notImplemented();
}

/** `progress_update`: a transient line under the thread. */
export function progress(text: string, icon?: string): ProgressUpdateEvent {
  return icon === undefined ? { type: 'progress_update', text } : { type: 'progress_update', icon, text };
}
/** `notice`: a banner (`message` is Markdown). */
export function notice(level: NoticeEvent['level'], message: string, title?: string): NoticeEvent {
  return title === undefined ? { type: 'notice', level, message } : { type: 'notice', level, message, title };
}
/** `client_effect`: a fire-and-forget call of the page's `onEffect`. */
export function clientEffect(name: string, data: Record<string, unknown> = {}): ClientEffectEvent {
  return { type: 'client_effect', name, data };
}

/**
 * Asks the page to run a client tool: `thread.item.done` of a pending `client_tool_call`. Yield it
 * last: the turn ends there. The page answers with `threads.add_client_tool_output`; the server marks
 * the call completed with its `output` and calls `respond(thread, null, context)`, where
 * `completedToolCall(...)` finds it.
 */
export function clientToolCall(
  thread: ThreadMetadata,
  call: { name: string; arguments: Record<string, unknown>; callId?: string },
  options?: ItemOptions,
): ThreadItemDoneEvent & { item: ClientToolCallItem } {
  void thread, call, options;
  return notImplemented();
}

/**
 * Asks the user questions: `thread.item.done` of a pending `structured_input` item. Yield it last.
 * The answer arrives by `threads.add_structured_input`; the server stores it and calls
 * `respond(thread, null, context)`.
 */
export function structuredInput(thread: ThreadMetadata, inputs: StructuredInput[], options?: ItemOptions): ThreadItemDoneEvent & { item: StructuredInputItem } {
  void thread, inputs, options;
  return notImplemented();
}

/** Context for the model the user never sees: `thread.item.done` of a `hidden_context_item` (stored, never sent). */
export function hiddenContext(thread: ThreadMetadata, content: unknown, options?: ItemOptions): ThreadItemDoneEvent & { item: HiddenContextItem } {
  void thread, content, options;
  return notImplemented();
}
