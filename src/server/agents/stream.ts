// streamAgentResponse: a streamed `@openai/agents` run as ChatKit events, chatkit-python 1.6.5's
// `stream_agent_response` as the reference. The Responses API's own events (passed through by the SDK
// as `raw_model_stream_event` / `model`) give the text, citations and reasoning summaries; the SDK's
// run items give the tool calls; the events tools put in the AgentContext are merged in order.
import type { Agent, RunItemStreamEvent, RunStreamEvent, StreamedRunResult } from '@openai/agents';
import { clientToolCall, itemAdded, itemDone, itemRemoved, progress, workflowItem } from '../chatkit/index.js';
import type { Annotation, AssistantMessageContent, AssistantMessageItem, ChatKitContext, ThoughtTask, ThreadMetadata, ThreadStreamEvent, WorkflowItem } from '../chatkit/index.js';
import type { AgentContext } from './context.js';
import { toolProgressOf } from './tools.js';

/** Metadata keys of the thread where the bridge keeps the stored response the next turn continues. */
export const PREVIOUS_RESPONSE_ID = 'previous_response_id';
export const PREVIOUS_RESPONSE_ITEM_ID = 'previous_response_item_id';

/** The Responses API's citations (`annotations` of an `output_text` part). */
export type ResponsesCitation =
  | { type: 'url_citation'; url: string; title?: string; start_index?: number; end_index?: number }
  | { type: 'file_citation'; file_id?: string; filename?: string; index?: number }
  | { type: 'container_file_citation'; container_id?: string; file_id?: string; filename?: string; start_index?: number; end_index?: number }
  | { type: string; [key: string]: unknown };

/**
 * Turns the Responses API's citations into ChatKit annotations (with their sources). Override a
 * method to change a source (a link to your own file viewer, say); return undefined to drop one.
 */
export class ResponseStreamConverter {
  fileCitationToAnnotation(citation: { filename?: string; index?: number }): Annotation | undefined | Promise<Annotation | undefined> {
    if (!citation.filename) return undefined;
    return withIndex({ type: 'annotation', source: { type: 'file', filename: citation.filename, title: citation.filename } }, citation.index);
  }

  containerFileCitationToAnnotation(citation: { filename?: string; end_index?: number }): Annotation | undefined | Promise<Annotation | undefined> {
    if (!citation.filename) return undefined;
    return withIndex({ type: 'annotation', source: { type: 'file', filename: citation.filename, title: citation.filename } }, citation.end_index);
  }

  urlCitationToAnnotation(citation: { url: string; title?: string; end_index?: number }): Annotation | undefined | Promise<Annotation | undefined> {
    return withIndex({ type: 'annotation', source: { type: 'url', url: citation.url, title: citation.title ?? citation.url } }, citation.end_index);
  }

  /** Dispatches on the citation's type; unknown types are dropped. */
  async toAnnotation(citation: ResponsesCitation): Promise<Annotation | undefined> {
    const value = citation as { url: string; filename?: string };
    if (citation.type === 'url_citation') return this.urlCitationToAnnotation(value);
    if (citation.type === 'file_citation') return this.fileCitationToAnnotation(value);
    if (citation.type === 'container_file_citation') return this.containerFileCitationToAnnotation(value);
    return undefined;
  }
}

const withIndex = (annotation: Annotation, index: number | undefined): Annotation => (typeof index === 'number' ? { ...annotation, index } : annotation);

const defaultConverter = new ResponseStreamConverter();

export interface StreamAgentResponseOptions {
  converter?: ResponseStreamConverter;
  /**
   * Milliseconds without any event of the run (model or tool) after which the run is cancelled and
   * the turn ends in an error: a model stream that stalls after its headers (the OpenAI client's
   * `timeout` covers the wait for them only). Mind tools that run long. Default: none.
   */
  idleTimeoutMs?: number;
}

/** A Responses API stream event, as much of it as the bridge reads. */
interface ResponsesEvent {
  type: string;
  item_id?: string;
  content_index?: number;
  summary_index?: number;
  delta?: string;
  text?: string;
  part?: { type: string; text?: string; refusal?: string; annotations?: ResponsesCitation[] };
  annotation?: ResponsesCitation;
  item?: { id: string; type: string; content?: { type: string; text?: string; refusal?: string; annotations?: ResponsesCitation[] }[] };
  response?: { id: string; store?: boolean; output?: { type: string }[]; error?: { message?: string } | null };
  message?: string;
}

/** A failure of the model's answer (`response.failed`, an `error` event): the turn ends in an in-band error. */
export class ModelResponseError extends Error {
  override name = 'ModelResponseError';
}

/** A client tool whose call did not end the run: the model would be asked again without the page's answer. */
export class ClientToolConfigurationError extends Error {
  override name = 'ClientToolConfigurationError';
}

/**
 * Streams a run of `@openai/agents` (`run(agent, input, { stream: true, context })`) as ChatKit events:
 * - the model's text as one assistant message per Responses message (`thread.item.added`,
 *   `content_part.added`, `text_delta`s, `annotation_added` per citation, `content_part.done`,
 *   `thread.item.done`, which the server stores);
 * - reasoning summaries as a `reasoning` workflow of `thought` tasks, closed with its duration (seconds)
 *   when the answer starts;
 * - each tool call as a `progress_update` naming the tool (or the label it declares with
 *   `withProgress`), and what tools put in the AgentContext, in order;
 * - a client tool's call (`clientTool`) as a pending `client_tool_call` item that ends the turn;
 * - a guardrail tripwire or any failure of the model or the run: every item this turn produced is
 *   removed (`thread.item.removed`) and the error is rethrown, which the server sends as the in-band
 *   `error` (retry allowed);
 * - the client closing the stream (or the server no longer reading) cancels the run.
 * When the run ends on a response the Responses API stored (`store` not false) with nothing left to
 * answer, its id is kept in the thread's metadata for `loadAgentInput`'s next `previousResponseId`.
 */
export async function* streamAgentResponse<C extends ChatKitContext>(
  context: AgentContext<C>,
  // any agent: its output type does not matter here
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  run: StreamedRunResult<AgentContext<C>, Agent<AgentContext<C>, any>>,
  options: StreamAgentResponseOptions = {},
): AsyncGenerator<ThreadStreamEvent, void, undefined> {
  const converter = options.converter ?? defaultConverter;
  const thread = context.thread;
  const channel = context._events;
  const produced = new Set<string>();
  const annotationCounts = new Map<string, number>();
  let thought: { itemId: string; summaryIndex: number; task: ThoughtTask } | undefined;
  let lastResponse: { id: string; reusable: boolean } | undefined;
  let lastItemId: string | undefined;
  // The workflow the client sees open (added, not done). The context's own `workflowItem` is what
  // tools change, ahead of the events they queued.
  let shown: WorkflowItem | undefined;

  const closeWorkflow = (item: WorkflowItem): ThreadStreamEvent => {
    if (context.workflowItem === item) context.workflowItem = undefined;
    if (shown === item) shown = undefined;
    item.workflow.summary ??= { duration: Math.max(0, Math.floor((context.now() - Date.parse(item.created_at)) / 1000)) };
    item.workflow.expanded = false;
    lastItemId = item.id;
    return itemDone(item);
  };

  const content = async (part: NonNullable<ResponsesEvent['part']>): Promise<AssistantMessageContent> => {
    if (part.type !== 'output_text') return { annotations: [], text: part.refusal ?? '', type: 'output_text' };
    const annotations: Annotation[] = [];
    for (const citation of part.annotations ?? []) {
      const annotation = await converter.toAnnotation(citation);
      if (annotation) annotations.push(annotation);
    }
    return { annotations, text: part.text ?? '', type: 'output_text' };
  };

  const message = async (item: NonNullable<ResponsesEvent['item']>): Promise<AssistantMessageItem> => ({
    id: item.id,
    thread_id: thread.id,
    created_at: context.timestamp(),
    type: 'assistant_message',
    content: await Promise.all((item.content ?? []).map(content)),
  });

  async function* fromTool(event: ThreadStreamEvent): AsyncGenerator<ThreadStreamEvent> {
    if (event.type === 'thread.item.added' || event.type === 'thread.item.done') {
      if (shown && shown.id !== event.item.id && event.item.type !== 'client_tool_call' && event.item.type !== 'hidden_context_item') yield closeWorkflow(shown);
      if (event.type === 'thread.item.added' && event.item.type === 'workflow') shown = event.item;
      produced.add(event.item.id);
      if (event.type === 'thread.item.done') {
        lastItemId = event.item.id;
        if (event.item.id === shown?.id) shown = undefined;
      }
    }
    yield event;
  }

  function fromRunItem(event: RunItemStreamEvent): ThreadStreamEvent | undefined {
    if (event.name !== 'tool_called' || event.item.type !== 'tool_call_item') return undefined;
    const raw = event.item.rawItem as { type: string; name?: string };
    const name = raw.name ?? raw.type;
    const declared = toolProgressOf(event.item.agent.tools.find(tool => 'name' in tool && tool.name === name));
    return progress(declared?.label ?? name, declared?.icon);
  }

  async function* fromModel(event: ResponsesEvent): AsyncGenerator<ThreadStreamEvent> {
    const itemId = event.item_id ?? '';
    const contentIndex = event.content_index ?? 0;
    switch (event.type) {
      case 'response.failed':
        throw new ModelResponseError(event.response?.error?.message ?? 'The model failed to answer.');
      case 'error':
        throw new ModelResponseError(event.message ?? 'The model failed to answer.');
      case 'response.completed': {
        const response = event.response!;
        lastResponse = { id: response.id, reusable: response.store === true && !response.output?.some(item => item.type === 'function_call') };
        return;
      }
      case 'response.output_item.added': {
        const item = event.item!;
        if (item.type === 'reasoning' && !shown) {
          shown = context.workflowItem = workflowItem(thread, { type: 'reasoning', tasks: [] }, { id: context.generateId('workflow'), createdAt: context.timestamp() });
          produced.add(shown.id);
          yield itemAdded(shown);
        } else if (item.type === 'message') {
          if (shown) yield closeWorkflow(shown);
          produced.add(item.id);
          yield itemAdded(await message(item));
        }
        return;
      }
      case 'response.output_item.done': {
        const item = event.item!;
        if (item.type !== 'message') return;
        lastItemId = item.id;
        yield itemDone(await message(item));
        return;
      }
      case 'response.content_part.added':
        if (event.part?.type !== 'output_text' && event.part?.type !== 'refusal') return;
        yield update(itemId, { type: 'assistant_message.content_part.added', content_index: contentIndex, content: await content(event.part) });
        return;
      case 'response.output_text.delta':
        yield update(itemId, { type: 'assistant_message.content_part.text_delta', content_index: contentIndex, delta: event.delta ?? '' });
        return;
      case 'response.output_text.annotation.added': {
        const annotation = event.annotation && (await converter.toAnnotation(event.annotation));
        if (!annotation) return;
        // counted per part, as citations that cannot be converted are dropped
        const key = `${itemId}\u0000${contentIndex}`;
        const annotationIndex = annotationCounts.get(key) ?? 0;
        annotationCounts.set(key, annotationIndex + 1);
        yield update(itemId, { type: 'assistant_message.content_part.annotation_added', content_index: contentIndex, annotation_index: annotationIndex, annotation });
        return;
      }
      case 'response.content_part.done':
        if (event.part?.type !== 'output_text') return;
        yield update(itemId, { type: 'assistant_message.content_part.done', content_index: contentIndex, content: await content(event.part) });
        return;
      case 'response.reasoning_summary_text.delta': {
        const workflow = shown;
        if (!workflow) return;
        if (workflow.workflow.type === 'reasoning' && workflow.workflow.tasks.length === 0) {
          // the first thought streams, so that it shows early
          thought = { itemId, summaryIndex: event.summary_index ?? 0, task: { status_indicator: 'none', type: 'thought', content: event.delta ?? '' } };
          workflow.workflow.tasks.push(thought.task);
          yield update(workflow.id, { type: 'workflow.task.added', task_index: 0, task: { ...thought.task } });
        } else if (thought && isThought(thought, itemId, event.summary_index) && workflow.workflow.tasks.includes(thought.task)) {
          thought.task.content += event.delta ?? '';
          yield update(workflow.id, { type: 'workflow.task.updated', task_index: workflow.workflow.tasks.indexOf(thought.task), task: { ...thought.task } });
        }
        return;
      }
      case 'response.reasoning_summary_text.done': {
        const workflow = shown;
        if (!workflow) return;
        const tasks = workflow.workflow.tasks;
        if (thought && isThought(thought, itemId, event.summary_index) && tasks.includes(thought.task)) {
          thought.task.content = event.text ?? thought.task.content;
          yield update(workflow.id, { type: 'workflow.task.updated', task_index: tasks.indexOf(thought.task), task: { ...thought.task } });
          thought = undefined;
        } else {
          const task: ThoughtTask = { status_indicator: 'none', type: 'thought', content: event.text ?? '' };
          tasks.push(task);
          yield update(workflow.id, { type: 'workflow.task.added', task_index: tasks.length - 1, task: { ...task } });
        }
        return;
      }
    }
  }

  // Pump the run's events into the channel the tools write to, so that both come out in order.
  // the SDK types its stream with Node's ReadableStream; this entry compiles against the Web one
  const reader = (run.toStream() as unknown as ReadableStream<RunStreamEvent>).getReader();
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        channel.push({ run: value });
      }
      channel.push({ end: true });
    } catch (error) {
      channel.push({ end: true, error });
    }
  })();
  const cancel = () => void reader.cancel().catch(() => {});
  context.signal.addEventListener('abort', cancel, { once: true });
  let finished = false;
  try {
    try {
      for (;;) {
        const next = await withIdleTimeout(channel.next(), options.idleTimeoutMs);
        if (next.done) break;
        const entry = next.value;
        if ('end' in entry) {
          if (entry.error !== undefined) throw entry.error;
          break;
        }
        if ('tool' in entry) {
          yield* fromTool(entry.tool);
        } else if (entry.run.type === 'run_item_stream_event') {
          const event = fromRunItem(entry.run);
          if (event) yield event;
        } else if (entry.run.type === 'raw_model_stream_event') {
          const data = entry.run.data as { type: string; event?: ResponsesEvent };
          if (data.type === 'response_started' && context.clientToolCall) {
            const name = context.clientToolCall.name;
            throw new ClientToolConfigurationError(`The client tool "${name}" did not end the run: give the agent toolUseBehavior: { stopAtToolNames: ['${name}'] }.`);
          }
          if (data.type === 'model' && data.event) yield* fromModel(data.event);
        }
      }
    } catch (error) {
      if (context.signal.aborted) return;
      // Nothing of a failed turn stays: a retry starts it again.
      for (const id of produced) yield itemRemoved(id);
      throw error;
    }
    finished = true;
    if (context.signal.aborted) return;
    if (shown) yield closeWorkflow(shown);
    const call = context.clientToolCall;
    if (call) {
      const event = clientToolCall(thread, { name: call.name, arguments: call.arguments, callId: call.callId }, { id: call.itemId ?? context.generateId('tool_call'), createdAt: context.timestamp() });
      yield event;
    }
    rememberResponse(thread, lastResponse?.reusable && !call ? lastResponse.id : undefined, lastItemId);
  } finally {
    context.signal.removeEventListener('abort', cancel);
    if (!finished) cancel();
  }
}

/** `next`, or a ModelResponseError after `ms` (none: wait). */
async function withIdleTimeout<T>(next: Promise<T>, ms: number | undefined): Promise<T> {
  if (ms === undefined) return next;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const idle = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ModelResponseError(`The run was silent for ${ms} ms.`)), ms);
  });
  try {
    return await Promise.race([next, idle]);
  } finally {
    clearTimeout(timer);
  }
}

function isThought(thought: { itemId: string; summaryIndex: number }, itemId: string, summaryIndex: number | undefined): boolean {
  return thought.itemId === itemId && thought.summaryIndex === (summaryIndex ?? 0);
}

function update(itemId: string, update: Extract<ThreadStreamEvent, { type: 'thread.item.updated' }>['update']): ThreadStreamEvent {
  return { type: 'thread.item.updated', item_id: itemId, update };
}

/** Keeps (or forgets) the stored response the next turn may continue, in the thread's metadata. */
function rememberResponse(thread: ThreadMetadata, responseId: string | undefined, itemId: string | undefined): void {
  const metadata = thread.metadata;
  if (responseId && itemId) {
    metadata[PREVIOUS_RESPONSE_ID] = responseId;
    metadata[PREVIOUS_RESPONSE_ITEM_ID] = itemId;
  } else if (PREVIOUS_RESPONSE_ID in metadata || PREVIOUS_RESPONSE_ITEM_ID in metadata) {
    delete metadata[PREVIOUS_RESPONSE_ID];
    delete metadata[PREVIOUS_RESPONSE_ITEM_ID];
  }
}
