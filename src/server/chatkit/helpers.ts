// Building blocks for `respond` and `action`: each returns the events to yield (and the item it made),
// with ids from the reference's generator unless you pass your own (`generateId`), as chatkit-python's
// helpers do. Nothing here touches the store: the server persists what you yield.
import { defaultGenerateId } from './store.js';
import type { StoreItemType } from './store.js';
import type {
  Annotation,
  AssistantMessageContent,
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
  ThreadItemUpdate,
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

const now = () => new Date().toISOString();

function base(thread: ThreadMetadata, type: StoreItemType, options: ItemOptions | undefined) {
  return {
    id: options?.id ?? (options?.generateId ?? defaultGenerateId)(type),
    thread_id: thread.id,
    created_at: options?.createdAt ?? now(),
  };
}

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
  return { ...base(thread, 'message', options), type: 'assistant_message', content: [{ annotations: options?.annotations ?? [], text, type: 'output_text' }] };
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
  const item: AssistantMessageItem = { ...base(thread, 'message', options), type: 'assistant_message', content: [] };
  yield itemAdded({ ...item, content: [] });
  const part: AssistantMessageContent = { annotations: [], text: '', type: 'output_text' };
  yield updated(item.id, { type: 'assistant_message.content_part.added', content_index: 0, content: { annotations: [], text: '', type: 'output_text' } });
  const events = function* (piece: AssistantDelta): Generator<ThreadStreamEvent> {
    const delta = typeof piece === 'string' ? piece : piece.delta;
    if (delta) {
      part.text += delta;
      yield updated(item.id, { type: 'assistant_message.content_part.text_delta', content_index: 0, delta });
    }
    if (typeof piece !== 'string') {
      for (const annotation of piece.annotations ?? []) {
        part.annotations.push(annotation);
        yield updated(item.id, { type: 'assistant_message.content_part.annotation_added', content_index: 0, annotation_index: part.annotations.length - 1, annotation });
      }
    }
  };
  // a plain array (or other sync iterable) is walked without an await per piece
  if (Symbol.iterator in deltas) for (const piece of deltas) for (const event of events(piece)) yield event;
  else for await (const piece of deltas) for (const event of events(piece)) yield event;
  const done = { annotations: [...part.annotations], text: part.text, type: 'output_text' as const };
  yield updated(item.id, { type: 'assistant_message.content_part.done', content_index: 0, content: done });
  item.content = [{ ...done, annotations: [...done.annotations] }];
  yield itemDone(item);
  return item;
}

const updated = (itemId: string, update: ThreadItemUpdate): ThreadItemUpdatedEvent => ({ type: 'thread.item.updated', item_id: itemId, update });

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
  const make = (root: WidgetRoot): WidgetItem => ({
    ...base(thread, 'message', options),
    type: 'widget',
    widget: root,
    ...(options?.copyText !== undefined && { copy_text: options.copyText }),
  });
  if (!isIterable(widget)) {
    const item = make(widget);
    yield itemDone(item);
    return item;
  }
  let item: WidgetItem | undefined;
  let last: WidgetRoot | undefined;
  for await (const root of widget) {
    if (!item || !last) {
      item = make(root);
      yield itemAdded(item);
    } else {
      for (const update of diffWidget(last, root)) yield updated(item.id, update);
    }
    last = root;
  }
  if (!item || !last) throw new TypeError('streamWidget: the iterable gave no widget');
  const done = { ...item, widget: last };
  yield itemDone(done);
  return done;
}

const isIterable = (value: unknown): value is AsyncIterable<WidgetRoot> | Iterable<WidgetRoot> =>
  typeof value === 'object' && value !== null && (Symbol.asyncIterator in value || Symbol.iterator in value);

/** The `thread.item.updated` updates that turn widget `before` into `after` (chatkit-python's `diff_widget`). */
export function diffWidget(before: WidgetRoot, after: WidgetRoot): ThreadItemUpdate[] {
  if (needsFullReplace(before, after)) return [{ type: 'widget.root.updated', widget: after }];
  // no full replace: the same components, and each Text/Markdown value the old one or an append to it
  const beforeTexts = streamingTexts(before);
  const updates: ThreadItemUpdate[] = [];
  for (const [id, node] of streamingTexts(after)) {
    const from = beforeTexts.get(id)!.value as string;
    const to = node.value as string;
    if (from !== to) updates.push({ type: 'widget.streaming_text.value_delta', component_id: id, delta: to.slice(from.length), done: !node.streaming });
  }
  return updates;
}

type Node = Record<string, unknown>;

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);
const isStreamingText = (node: Node) => (node.type === 'Markdown' || node.type === 'Text') && typeof node.value === 'string';

/** chatkit-python's full_replace: any prop that differs, but an appended Text/Markdown value. */
function needsFullReplace(before: Node, after: Node): boolean {
  if (before.type !== after.type || before.id !== after.id || before.key !== after.key) return true;
  const appendable = isStreamingText(before) && isStreamingText(after);
  for (const field of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (appendable && field === 'value' && (after.value as string).startsWith(before.value as string)) continue;
    if (differs(before[field], after[field])) return true;
  }
  return false;
}

function differs(a: unknown, b: unknown): boolean {
  if (a === b) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length !== b.length || a.some((value, index) => differs(value, b[index]));
  if (isNode(a) && isNode(b)) return typeof a.type === 'string' && typeof b.type === 'string' ? needsFullReplace(a, b) : !sameJson(a, b);
  return true;
}

function sameJson(a: Node, b: Node): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every(key => Object.hasOwn(b, key) && !differs(a[key], b[key]));
}

function streamingTexts(root: Node): Map<string, Node> {
  const found = new Map<string, Node>();
  const visit = (node: Node) => {
    if (isStreamingText(node) && typeof node.id === 'string' && node.id) found.set(node.id, node);
    if (Array.isArray(node.children)) for (const child of node.children) if (isNode(child)) visit(child);
  };
  visit(root);
  return found;
}

/** A workflow item (`tasks: []`, `expanded: false` unless given); yield `itemAdded(item)` to show it. */
export function workflowItem(thread: ThreadMetadata, workflow?: Partial<Workflow>, options?: ItemOptions): WorkflowItem {
  const { type = 'custom', tasks = [], summary, expanded = false } = workflow ?? {};
  return { ...base(thread, 'workflow', options), type: 'workflow', workflow: { type, tasks, ...(summary !== undefined && { summary }), expanded } };
}
/** Appends a task to the workflow item; returns the `workflow.task.added` event. */
export function addWorkflowTask(item: WorkflowItem, task: Task): ThreadItemUpdatedEvent {
  item.workflow.tasks.push(task);
  return updated(item.id, { type: 'workflow.task.added', task_index: item.workflow.tasks.length - 1, task });
}
/** Replaces task `taskIndex`; returns the `workflow.task.updated` event. */
export function updateWorkflowTask(item: WorkflowItem, taskIndex: number, task: Task): ThreadItemUpdatedEvent {
  if (!Number.isInteger(taskIndex) || taskIndex < 0 || taskIndex >= item.workflow.tasks.length) throw new RangeError(`No task ${taskIndex} in workflow ${item.id}`);
  item.workflow.tasks[taskIndex] = task;
  return updated(item.id, { type: 'workflow.task.updated', task_index: taskIndex, task });
}
/** Closes the workflow (summary, collapsed unless `expanded`); returns `thread.item.done` (the server stores it). */
export function endWorkflow(item: WorkflowItem, options?: { summary?: Workflow['summary']; expanded?: boolean }): ThreadItemDoneEvent {
  const { type, tasks } = item.workflow;
  const summary = options?.summary ?? item.workflow.summary;
  // rebuilt for chatkit-python's key order: type, tasks, summary, expanded
  item.workflow = { type, tasks, ...(summary !== undefined && { summary }), expanded: options?.expanded ?? false };
  return itemDone(item);
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
  const item: ClientToolCallItem = {
    ...base(thread, 'tool_call', options),
    type: 'client_tool_call',
    status: 'pending',
    call_id: call.callId ?? defaultGenerateId('tool_call').replace('tc_', 'call_'),
    name: call.name,
    arguments: call.arguments,
  };
  return { type: 'thread.item.done', item };
}

/**
 * Asks the user questions: `thread.item.done` of a pending `structured_input` item. Yield it last.
 * The answer arrives by `threads.add_structured_input`; the server stores it and calls
 * `respond(thread, null, context)`.
 */
export function structuredInput(thread: ThreadMetadata, inputs: StructuredInput[], options?: ItemOptions): ThreadItemDoneEvent & { item: StructuredInputItem } {
  return { type: 'thread.item.done', item: { ...base(thread, 'message', options), type: 'structured_input', status: 'pending', inputs } };
}

/** Context for the model the user never sees: `thread.item.done` of a `hidden_context_item` (stored, never sent). */
export function hiddenContext(thread: ThreadMetadata, content: unknown, options?: ItemOptions): ThreadItemDoneEvent & { item: HiddenContextItem } {
  return { type: 'thread.item.done', item: { ...base(thread, 'message', options), type: 'hidden_context_item', content } };
}
