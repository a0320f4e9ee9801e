// The stand-in's thread items: each item of ChatKit's protocol drawn as one list entry of the log, and
// the `thread.item.updated` updates applied to the item's data (then the entry is drawn again). Text is
// always set as text, never as HTML; links are only http(s).
import type {
  AssistantMessageItem,
  Annotation,
  StructuredInputItem,
  StructuredInputSubmission,
  Task,
  ThreadItem,
  ThreadItemUpdate,
  WidgetItem,
  Workflow,
} from '../../src/server/chatkit/types.js';
import { renderAttachments } from './attachments.js';
import { applyWidgetUpdate, renderWidget } from './widgets.js';
import type { WidgetAction } from './widgets.js';

export interface ItemHandlers {
  /** A widget control was used. */
  widgetAction(item: WidgetItem, action: WidgetAction): Promise<void>;
  /** A pending form was answered or skipped. */
  structuredInput(item: StructuredInputItem, input: StructuredInputSubmission): Promise<void>;
}

/** Draws `item` into `entry` (its list element, emptied first). */
export function renderItem(entry: HTMLLIElement, item: ThreadItem, handlers: ItemHandlers): void {
  entry.className = item.type === 'user_message' ? 'user' : item.type === 'assistant_message' ? 'assistant' : item.type.replaceAll('_', '-');
  entry.dataset.itemId = item.id;
  entry.replaceChildren();
  switch (item.type) {
    case 'user_message':
      entry.textContent = item.content.map(part => part.text).join('');
      if (item.attachments.length) entry.append(renderAttachments(item.attachments));
      break;
    case 'assistant_message':
      renderAssistant(entry, item);
      break;
    case 'widget':
      entry.append(renderWidget(item, action => handlers.widgetAction(item, action)));
      break;
    case 'workflow':
      entry.append(renderWorkflow(item.workflow));
      break;
    case 'task':
      entry.append(renderTasks([item.task]));
      break;
    case 'client_tool_call':
      entry.append(
        text('span', 'Tool '),
        text('code', item.name),
        text('span', item.status === 'pending' ? ': asking the page…' : ': the page answered'),
      );
      break;
    case 'structured_input':
      renderStructuredInput(entry, item, handlers);
      break;
    case 'generated_image':
      if (item.image && /^(https?:|data:image\/)/.test(item.image.url)) {
        const image = document.createElement('img');
        image.src = item.image.url;
        image.alt = 'Generated image';
        entry.append(image);
      } else entry.textContent = 'Generating an image…';
      break;
    default:
      // hidden context and end-of-turn items are the model's, never shown
      entry.hidden = true;
  }
}

/** Applies an update to `item` in place; false when it does not apply to this kind of item. */
export function applyUpdate(item: ThreadItem, update: ThreadItemUpdate): boolean {
  if (item.type === 'widget') return applyWidgetUpdate(item, update);
  if (item.type === 'workflow' && (update.type === 'workflow.task.added' || update.type === 'workflow.task.updated')) {
    item.workflow.tasks[update.task_index] = update.task;
    return true;
  }
  if (item.type === 'generated_image' && update.type === 'generated_image.updated') {
    item.image = update.image;
    return true;
  }
  if (item.type !== 'assistant_message') return false;
  switch (update.type) {
    case 'assistant_message.content_part.added':
    case 'assistant_message.content_part.done':
      item.content[update.content_index] = update.content;
      return true;
    case 'assistant_message.content_part.text_delta': {
      const part = (item.content[update.content_index] ??= { annotations: [], text: '', type: 'output_text' });
      part.text += update.delta;
      return true;
    }
    case 'assistant_message.content_part.annotation_added': {
      const part = (item.content[update.content_index] ??= { annotations: [], text: '', type: 'output_text' });
      part.annotations[update.annotation_index] = update.annotation;
      return true;
    }
    default:
      return false;
  }
}

function renderAssistant(entry: HTMLLIElement, item: AssistantMessageItem): void {
  const body = document.createElement('div');
  renderText(body, item.content.map(part => part.text).join(''));
  entry.dataset.text = body.dataset.text;
  entry.append(body);
  const annotations = item.content.flatMap(part => part.annotations);
  if (annotations.length) entry.append(renderSources(annotations));
}

/** The sources an answer cites, in order: a link for a URL, the label of an entity or a file. */
function renderSources(annotations: Annotation[]): HTMLElement {
  const list = document.createElement('ol');
  list.className = 'sources';
  list.setAttribute('aria-label', 'Sources');
  for (const { source } of annotations) {
    const entry = document.createElement('li');
    entry.dataset.sourceType = source.type;
    if (source.type === 'url' && /^https?:\/\//.test(source.url)) {
      const link = text('a', source.title);
      link.setAttribute('href', source.url);
      link.setAttribute('target', '_blank');
      link.setAttribute('rel', 'noopener noreferrer');
      entry.append(link);
    } else if (source.type === 'entity') {
      entry.append(text('span', source.label ?? source.title), text('small', ` (${source.title})`));
    } else {
      entry.append(text('span', source.title));
    }
    list.append(entry);
  }
  return list;
}

function renderWorkflow(workflow: Workflow): HTMLElement {
  const details = document.createElement('details');
  const running = workflow.tasks.some(task => task.status_indicator === 'loading') || !workflow.summary;
  details.open = workflow.expanded || running;
  const summary = workflow.summary;
  details.append(
    text('summary', summary ? ('title' in summary ? summary.title : `Worked for ${summary.duration} s`) : 'Working…'),
    renderTasks(workflow.tasks),
  );
  return details;
}

function renderTasks(tasks: Task[]): HTMLElement {
  const list = document.createElement('ul');
  list.className = 'tasks';
  for (const task of tasks) {
    const entry = document.createElement('li');
    entry.dataset.status = task.status_indicator;
    const mark = task.status_indicator === 'complete' ? '✓ ' : task.status_indicator === 'loading' ? '… ' : '';
    entry.append(text('span', `${mark}${task.title ?? task.type}`));
    if ((task.type === 'custom' || task.type === 'thought') && task.content) entry.append(text('p', task.content));
    list.append(entry);
  }
  return list;
}

/** A pending form (Submit / Skip), or what was answered. */
function renderStructuredInput(entry: HTMLLIElement, item: StructuredInputItem, handlers: ItemHandlers): void {
  if (item.status !== 'pending') {
    const list = document.createElement('dl');
    for (const input of item.inputs) {
      const answer = item.status === 'skipped' || !input.answer || input.answer.skipped ? 'skipped' : input.answer.values.join(', ');
      list.append(text('dt', input.question), text('dd', answer));
    }
    entry.append(list);
    return;
  }
  const form = document.createElement('form');
  form.className = 'structured';
  for (const input of item.inputs) {
    const fieldset = document.createElement('fieldset');
    fieldset.append(text('legend', input.question));
    if (input.type === 'freeform') {
      const area = document.createElement('textarea');
      area.name = input.id;
      area.setAttribute('aria-label', input.question);
      fieldset.append(area);
    } else {
      for (const option of input.options) {
        const label = document.createElement('label');
        const choice = document.createElement('input');
        choice.type = input.multiple ? 'checkbox' : 'radio';
        choice.name = input.id;
        choice.value = option.value;
        label.append(choice, ` ${option.value}`);
        fieldset.append(label);
      }
    }
    form.append(fieldset);
  }
  const submit = text('button', 'Submit');
  const skip = text('button', 'Skip');
  (skip as HTMLButtonElement).type = 'button';
  form.append(submit, skip);
  const send = (input: StructuredInputSubmission) => {
    for (const control of form.querySelectorAll('button, input, textarea')) (control as HTMLInputElement).disabled = true;
    void handlers.structuredInput(item, input);
  };
  form.addEventListener('submit', event => {
    event.preventDefault();
    const data = new FormData(form);
    const answers = Object.fromEntries(
      item.inputs.map(input => {
        const values = data.getAll(input.id).map(String).map(value => value.trim()).filter(Boolean);
        return [input.id, { values, skipped: values.length === 0 }];
      }),
    );
    send({ status: 'answered', answers });
  });
  skip.addEventListener('click', () => send({ status: 'skipped', answers: {} }));
  entry.append(form);
}

/** Shows a reply with the little markdown the offline responder uses (**bold**, `code`), as DOM nodes, never HTML. */
export function renderText(target: HTMLElement, value: string): void {
  target.dataset.text = value;
  target.replaceChildren(
    ...value.split(/(\*\*[^*\n]+\*\*|`[^`\n]+`)/).map(part => {
      const tag = part.startsWith('**') && part.length > 4 ? 'strong' : part.startsWith('`') && part.length > 2 ? 'code' : undefined;
      if (!tag) return document.createTextNode(part);
      return text(tag, tag === 'strong' ? part.slice(2, -2) : part.slice(1, -1));
    }),
  );
}

function text(tag: string, value: string): HTMLElement {
  const element = document.createElement(tag);
  element.textContent = value;
  return element;
}
