// What an agent's tools see (the Agents SDK's `runContext.context`): the thread, the store, the
// verified user, and helpers that put ChatKit events into the reply, in order with the model's own
// (chatkit-python's `AgentContext`, camelCased). Nothing here talks to the model.
import { clientEffect, hiddenContext, itemAdded, itemDone, notice, progress, streamWidget, structuredInput, workflowItem } from '../chatkit/index.js';
import type {
  ChatKitContext,
  ChatKitUser,
  NoticeEvent,
  Store,
  StoreItemType,
  StructuredInput,
  StructuredInputItem,
  Task,
  ThreadMetadata,
  ThreadStreamEvent,
  WidgetRoot,
  Workflow,
  WorkflowItem,
} from '../chatkit/index.js';
import { EventChannel } from './channel.js';
import type { AgentStreamEntry } from './channel.js';

/** A call of a tool that runs in the page (`chatkitOptions.onClientTool`), recorded by `clientTool`. */
export interface ClientToolCallRequest {
  name: string;
  arguments: Record<string, unknown>;
  /** The model's `call_id`: the page's output answers this exact call in the next turn. */
  callId: string;
  /** The Responses API's id of the call (`fc_…`), reused as the thread item's id. */
  itemId?: string;
}

export interface AgentContextOptions<C extends ChatKitContext> {
  /** The thread `respond` received: changes to its `metadata` are saved by the server. */
  thread: ThreadMetadata;
  store: Store<C>;
  /** The request's context (`respond`'s third argument): the verified user, the request, its signal. */
  requestContext: C;
  /** Milliseconds since the epoch; a seam for tests. Default `Date.now`. */
  now?: () => number;
}

export class AgentContext<C extends ChatKitContext = ChatKitContext> {
  readonly thread: ThreadMetadata;
  readonly store: Store<C>;
  readonly requestContext: C;
  /** Set by a client tool during the run; the reply ends with a pending `client_tool_call` for it. */
  clientToolCall: ClientToolCallRequest | undefined;
  /** The open workflow (reasoning, or tasks your tools add), closed when a visible item follows it. */
  workflowItem: WorkflowItem | undefined;
  readonly now: () => number;
  /** @internal the events tools put in the reply; `streamAgentResponse` merges them with the model's. */
  readonly _events = new EventChannel<AgentStreamEntry>();

  constructor(options: AgentContextOptions<C>) {
    this.thread = options.thread;
    this.store = options.store;
    this.requestContext = options.requestContext;
    this.now = options.now ?? Date.now;
  }

  /** Who is asking: the verified token's `sub`, `name` and every claim (never from the request body). */
  get user(): ChatKitUser {
    return this.requestContext.user;
  }

  /** Aborts when the client closes the stream. */
  get signal(): AbortSignal {
    return this.requestContext.signal;
  }

  /** A new id from the store (`msg_…`, `wf_…`, `tc_…`). */
  generateId(type: Exclude<StoreItemType, 'thread'>): string {
    return this.store.generateItemId(type, this.thread, this.requestContext);
  }

  /** The current time as ChatKit stores it (ISO 8601, UTC). */
  timestamp(): string {
    return new Date(this.now()).toISOString();
  }

  /** Puts any ChatKit event into the reply. */
  stream(event: ThreadStreamEvent): void {
    this._events.push({ tool: event });
  }

  /**
   * Shows a widget: one root is stored as it is; an async iterable of successive roots streams, each
   * root diffed against the one before (chatkit-python's `stream_widget`). Resolves when the last
   * root is in the reply.
   */
  async streamWidget(widget: WidgetRoot | AsyncIterable<WidgetRoot>, options: { copyText?: string } = {}): Promise<void> {
    const events = streamWidget(this.thread, widget, { ...options, generateId: type => this.generateId(type as Exclude<StoreItemType, 'thread'>), createdAt: this.timestamp() });
    for await (const event of events) this.stream(event);
  }

  /** Opens a workflow; a custom one is shown once it has a task, a reasoning one at once. */
  startWorkflow(workflow: Partial<Workflow> = {}): WorkflowItem {
    this.workflowItem = workflowItem(this.thread, { type: 'custom', ...workflow }, { id: this.generateId('workflow'), createdAt: this.timestamp() });
    if (this.workflowItem.workflow.type === 'reasoning' || this.workflowItem.workflow.tasks.length > 0) this.stream(itemAdded(this.workflowItem));
    return this.workflowItem;
  }

  /** Adds a task to the open workflow, opening a custom one when there is none. Returns its index. */
  addWorkflowTask(task: Task): number {
    const item = this.workflowItem ?? this.startWorkflow();
    const tasks = item.workflow.tasks;
    tasks.push(task);
    const taskIndex = tasks.length - 1;
    if (item.workflow.type !== 'reasoning' && tasks.length === 1) this.stream(itemAdded(item));
    else this.stream({ type: 'thread.item.updated', item_id: item.id, update: { type: 'workflow.task.added', task_index: taskIndex, task } });
    return taskIndex;
  }

  /** Replaces task `taskIndex` of the open workflow. */
  updateWorkflowTask(task: Task, taskIndex: number): void {
    const item = this.workflowItem;
    if (!item || !(taskIndex in item.workflow.tasks)) throw new RangeError(`There is no open workflow with a task ${taskIndex}.`);
    item.workflow.tasks[taskIndex] = task;
    this.stream({ type: 'thread.item.updated', item_id: item.id, update: { type: 'workflow.task.updated', task_index: taskIndex, task } });
  }

  /** Closes the open workflow (stored), with `summary` or its duration in seconds; collapsed unless `expanded`. */
  endWorkflow(options: { summary?: Workflow['summary']; expanded?: boolean } = {}): void {
    const item = this.workflowItem;
    if (!item) return;
    this.workflowItem = undefined;
    const workflow = item.workflow;
    workflow.summary = options.summary ?? workflow.summary ?? { duration: Math.max(0, Math.floor((this.now() - Date.parse(item.created_at)) / 1000)) };
    workflow.expanded = options.expanded ?? false;
    this.stream(itemDone(item));
  }

  /** A transient line under the thread (`progress_update`). */
  progress(text: string, icon?: string): void {
    this.stream(progress(text, icon));
  }

  /** A banner (`notice`); `message` is Markdown. */
  notice(level: NoticeEvent['level'], message: string, title?: string): void {
    this.stream(notice(level, message, title));
  }

  /** A fire-and-forget call of the page's `onEffect` (`client_effect`). */
  clientEffect(name: string, data: Record<string, unknown> = {}): void {
    this.stream(clientEffect(name, data));
  }

  /**
   * Asks the user questions (a pending `structured_input` item). Their answers arrive with
   * `threads.add_structured_input`, which calls `respond(thread, null)`; the next input shows them
   * to the model. List the tool in `stopAtToolNames` to end the turn at the question.
   */
  requestStructuredInput(inputs: StructuredInput[]): StructuredInputItem {
    const event = structuredInput(this.thread, inputs, { id: this.generateId('message'), createdAt: this.timestamp() });
    this.stream(event);
    return event.item;
  }

  /** Context for the model that the user never sees (a stored `hidden_context_item`). */
  addHiddenContext(content: unknown): void {
    this.stream(hiddenContext(this.thread, content, { id: this.generateId('message'), createdAt: this.timestamp() }));
  }
}
