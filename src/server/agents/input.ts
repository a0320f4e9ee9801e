// Thread items -> the agent's input (chatkit-python's `ThreadItemConverter`, camelCased): one
// overridable method per item type, and loadAgentInput, which continues a response the Responses API
// stored (`previousResponseId`) with only what came after it, or sends the whole thread again.
import type { AgentInputItem } from '@openai/agents';
import type {
  AssistantMessageItem,
  Attachment,
  ChatKitContext,
  ClientToolCallItem,
  EndOfTurnItem,
  GeneratedImageItem,
  HiddenContextItem,
  SDKHiddenContextItem,
  StructuredInputItem,
  Task,
  TaskItem,
  ThreadItem,
  UserMessageItem,
  UserMessageTagContent,
  WidgetItem,
  WorkflowItem,
} from '../chatkit/index.js';
import type { AgentContext } from './context.js';
import { PREVIOUS_RESPONSE_ID, PREVIOUS_RESPONSE_ITEM_ID } from './stream.js';

type UserInput = Extract<AgentInputItem, { role: 'user' }>;
/** A part of a user message for the model: `input_text`, `input_image`, `input_file`. */
export type UserInputContent = Exclude<UserInput['content'], string>[number];
/** What a converter method returns: nothing, one input item or several. */
export type ConvertedInput = AgentInputItem | AgentInputItem[] | undefined;

export interface ThreadItemConverterOptions {
  /**
   * The bytes of an attachment, for the default `attachmentToMessageContent`: images go to the model
   * as `input_image`, other files as `input_file`, both inline (base64). Return the bytes, or
   * `{ data, mimeType }` when your store checked the type (the attachments' `readAttachment(id,
   * context)` does). Without it, a message with attachments is an error.
   */
  readAttachment?: (attachment: Attachment) => Promise<Uint8Array | { data: Uint8Array; mimeType?: string }>;
}

const userText = (text: string): UserInput => ({ role: 'user', content: [{ type: 'input_text', text }] });
const hidden = (content: string): UserInput => userText(`Hidden context for the agent (not shown to the user):\n<HiddenContext>\n${content}\n</HiddenContext>`);

function taskText(task: Task): string | undefined {
  if (task.type !== 'custom' || (!task.title && !task.content)) return undefined;
  const text = task.title && task.content ? `${task.title}: ${task.content}` : (task.title ?? task.content);
  return `A message was displayed to the user that the following task was performed:\n<Task>\n${text}\n</Task>`;
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/**
 * Converts ChatKit thread items into `@openai/agents` input items, as chatkit-python's converter
 * does. Subclass it and override a method to change how one item type reaches the model.
 */
export class ThreadItemConverter {
  readonly #readAttachment: ThreadItemConverterOptions['readAttachment'];

  constructor(options: ThreadItemConverterOptions = {}) {
    this.#readAttachment = options.readAttachment;
  }

  /** An attachment of a user message: images as `input_image`, other files as `input_file` (inline). */
  async attachmentToMessageContent(attachment: Attachment): Promise<UserInputContent> {
    if (!this.#readAttachment) {
      throw new Error('A user message has an attachment: give ThreadItemConverter a readAttachment, or override attachmentToMessageContent.');
    }
    const read = await this.#readAttachment(attachment);
    const { data: bytes, mimeType = attachment.mime_type } = read instanceof Uint8Array ? { data: read } : read;
    const data = `data:${mimeType};base64,${base64(bytes)}`;
    if (attachment.type === 'image') return { type: 'input_image', image: data, detail: 'auto' };
    return { type: 'input_file', file: data, filename: attachment.name };
  }

  /** An @-mention of the user's message, as context for the model (the tag's text and data). */
  async tagToMessageContent(tag: UserMessageTagContent): Promise<UserInputContent> {
    return { type: 'input_text', text: `<Tag id=${JSON.stringify(tag.id)} text=${JSON.stringify(tag.text)}>${JSON.stringify(tag.data)}</Tag>` };
  }

  /**
   * The user's message (tags as `@text`, attachments after the text); for the thread's last message,
   * the text the user quoted; then what the tags stand for, each tag once.
   */
  async userMessageToInput(item: UserMessageItem, isLastMessage = true): Promise<ConvertedInput> {
    const text = item.content.map(part => (part.type === 'input_text' ? part.text : `@${part.text}`)).join('');
    const attachments = await Promise.all(item.attachments.map(attachment => this.attachmentToMessageContent(attachment)));
    const input: AgentInputItem[] = [{ role: 'user', content: [{ type: 'input_text', text }, ...attachments] }];
    if (item.quoted_text && isLastMessage) input.push(userText(`The user is referring to this in particular: \n${item.quoted_text}`));
    const tags = new Map<string, UserMessageTagContent>();
    for (const part of item.content) if (part.type === 'input_tag' && !tags.has(part.text)) tags.set(part.text, part);
    if (tags.size > 0) {
      const context = await Promise.all([...tags.values()].map(tag => this.tagToMessageContent(tag)));
      const intro =
        "# User-provided context for @-mentions\n- When referencing resolved entities, use their canonical names **without** '@'.\n- The '@' form appears only in user text and should not be echoed.";
      input.push({ role: 'user', content: [{ type: 'input_text', text: intro }, ...context] });
    }
    return input;
  }

  async assistantMessageToInput(item: AssistantMessageItem): Promise<ConvertedInput> {
    return { role: 'assistant', status: 'completed', content: item.content.map(part => ({ type: 'output_text', text: part.text })) };
  }

  /** A completed client tool call: the call and the page's output (a pending one is left out). */
  async clientToolCallToInput(item: ClientToolCallItem): Promise<ConvertedInput> {
    if (item.status === 'pending') return undefined;
    return [
      { type: 'function_call', callId: item.call_id, name: item.name, arguments: JSON.stringify(item.arguments), status: 'completed' },
      { type: 'function_call_result', callId: item.call_id, name: item.name, status: 'completed', output: JSON.stringify(item.output ?? null) },
    ];
  }

  async widgetToInput(item: WidgetItem): Promise<ConvertedInput> {
    return userText(`The following graphical UI widget (id: ${item.id}) was displayed to the user:${JSON.stringify(item.widget)}`);
  }

  async taskToInput(item: TaskItem): Promise<ConvertedInput> {
    const text = taskText(item.task);
    return text === undefined ? undefined : userText(text);
  }

  /** The workflow's custom tasks (reasoning is the model's own and is not sent back). */
  async workflowToInput(item: WorkflowItem): Promise<ConvertedInput> {
    return item.workflow.tasks.flatMap(task => {
      const text = taskText(task);
      return text === undefined ? [] : [userText(text)];
    });
  }

  async structuredInputToInput(item: StructuredInputItem): Promise<ConvertedInput> {
    const lines = item.inputs.map(question => {
      const answer = question.answer;
      if (!answer) return `- ${question.question}: unanswered`;
      return answer.skipped ? `- ${question.question}: skipped` : `- ${question.question}: ${answer.values.join(', ')}`;
    });
    return userText(`A structured input request was displayed to the user with the following status: ${item.status}\n<StructuredInput>\n${lines.join('\n')}\n</StructuredInput>`);
  }

  /** Your hidden context (strings as they are, anything else as JSON). */
  async hiddenContextToInput(item: HiddenContextItem): Promise<ConvertedInput> {
    return hidden(typeof item.content === 'string' ? item.content : JSON.stringify(item.content));
  }

  /** The server's own notes, such as "The user cancelled the stream…" after the user stopped a reply. */
  async sdkHiddenContextToInput(item: SDKHiddenContextItem): Promise<ConvertedInput> {
    return hidden(item.content);
  }

  async generatedImageToInput(item: GeneratedImageItem): Promise<ConvertedInput> {
    if (!item.image) return undefined;
    return {
      role: 'user',
      content: [
        { type: 'input_text', text: 'The following image was generated by the agent.' },
        { type: 'input_image', image: item.image.url, detail: 'auto' },
      ],
    };
  }

  async endOfTurnToInput(_item: EndOfTurnItem): Promise<ConvertedInput> {
    return undefined;
  }

  /** One item's input (always a list). */
  async itemToInput(item: ThreadItem, isLastMessage = true): Promise<AgentInputItem[]> {
    let converted: ConvertedInput;
    switch (item.type) {
      case 'user_message':
        converted = await this.userMessageToInput(item, isLastMessage);
        break;
      case 'assistant_message':
        converted = await this.assistantMessageToInput(item);
        break;
      case 'client_tool_call':
        converted = await this.clientToolCallToInput(item);
        break;
      case 'widget':
        converted = await this.widgetToInput(item);
        break;
      case 'task':
        converted = await this.taskToInput(item);
        break;
      case 'workflow':
        converted = await this.workflowToInput(item);
        break;
      case 'structured_input':
        converted = await this.structuredInputToInput(item);
        break;
      case 'hidden_context_item':
        converted = await this.hiddenContextToInput(item);
        break;
      case 'sdk_hidden_context':
        converted = await this.sdkHiddenContextToInput(item);
        break;
      case 'generated_image':
        converted = await this.generatedImageToInput(item);
        break;
      case 'end_of_turn':
        converted = await this.endOfTurnToInput(item);
        break;
    }
    return converted === undefined ? [] : Array.isArray(converted) ? converted : [converted];
  }

  /** The items' input, in order. */
  async toAgentInput(items: readonly ThreadItem[] | ThreadItem): Promise<AgentInputItem[]> {
    const list = Array.isArray(items) ? [...(items as readonly ThreadItem[])] : [items as ThreadItem];
    const input: AgentInputItem[] = [];
    for (const [index, item] of list.entries()) input.push(...(await this.itemToInput(item, index === list.length - 1)));
    return input;
  }
}

const defaultConverter = new ThreadItemConverter();

/** Thread items -> agent input with the default converter (or yours). */
export function toAgentInput(items: readonly ThreadItem[] | ThreadItem, converter: ThreadItemConverter = defaultConverter): Promise<AgentInputItem[]> {
  return converter.toAgentInput(items);
}

export interface AgentInput {
  input: AgentInputItem[];
  /** Pass to `run(…, { previousResponseId })`: the stored response the input continues. */
  previousResponseId?: string;
}

/**
 * The input of the thread's next run. When the last run ended on a response the Responses API
 * stored (see streamAgentResponse) and the thread still holds the item that ended it, the input is
 * only what came after, with that response's id; otherwise, the whole thread (hidden items included).
 */
export async function loadAgentInput<C extends ChatKitContext>(context: AgentContext<C>, options: { converter?: ThreadItemConverter } = {}): Promise<AgentInput> {
  const items: ThreadItem[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await context.store.loadThreadItems(context.thread.id, after, 100, 'asc', context.requestContext);
    items.push(...page.data);
    if (!page.has_more || page.data.length === 0) break;
    after = page.after ?? page.data.at(-1)!.id;
  }
  const converter = options.converter ?? defaultConverter;
  const metadata = context.thread.metadata;
  const previousResponseId = metadata[PREVIOUS_RESPONSE_ID];
  const boundary = items.findIndex(item => item.id === metadata[PREVIOUS_RESPONSE_ITEM_ID]);
  if (typeof previousResponseId === 'string' && boundary !== -1 && boundary < items.length - 1) {
    return { input: await converter.toAgentInput(items.slice(boundary + 1)), previousResponseId };
  }
  return { input: await converter.toAgentInput(items) };
}
