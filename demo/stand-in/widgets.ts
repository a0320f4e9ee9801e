// The stand-in's widgets: a minimal rendering of ChatKit's widget tree (@openai/chatkit's
// widgets.d.ts) as plain, accessible DOM. Layout containers, text, badges, dividers and buttons are
// drawn; anything else shows as a labelled placeholder, never guessed at. Text is always set as text,
// never as HTML. Updates (`widget.*`) are applied to the item's data and the widget drawn again.
import type { Widgets } from '@openai/chatkit';
import type { ThreadItemUpdate, WidgetComponent, WidgetItem } from '../../src/server/chatkit/types.js';

/** A widget action as the wire carries it (ActionConfig: `handler` server|client, `streaming`). */
export interface WidgetAction {
  type: string;
  payload?: Record<string, unknown>;
  handler?: 'server' | 'client';
  loadingBehavior?: string;
  streaming?: boolean;
}

/** What is drawn: @openai/chatkit's widget types (the wire's structural WidgetRoot, read as them). */
type Node = Widgets.WidgetRoot | Widgets.WidgetComponent | Widgets.ListViewItem;
type Fields = { type: string; id?: string; children?: unknown; value?: unknown; label?: unknown };

/** Draws `item`'s widget; `onAction` runs when one of its controls is used (the button disabled meanwhile). */
export function renderWidget(item: WidgetItem, onAction: (action: WidgetAction) => Promise<void>): HTMLElement {
  const draw = (node: Node): HTMLElement => {
    const fields = node as Fields;
    const children = () => (Array.isArray(fields.children) ? (fields.children as Node[]) : []).map(draw);
    let element: HTMLElement;
    switch (node.type) {
      case 'Card':
      case 'Basic':
      case 'ListView':
      case 'ListViewItem':
      case 'Box':
      case 'Row':
      case 'Col':
      case 'Form': {
        element = document.createElement(node.type === 'ListView' ? 'ul' : node.type === 'ListViewItem' ? 'li' : 'div');
        element.append(...children());
        if (node.type === 'Card') element.append(...cardActions(node.confirm, node.cancel));
        break;
      }
      case 'Title':
      case 'Text':
      case 'Caption':
      case 'Markdown':
      case 'Label':
        element = document.createElement(node.type === 'Title' ? 'strong' : node.type === 'Caption' ? 'small' : 'p');
        element.textContent = String(fields.value ?? '');
        break;
      case 'Badge':
        element = document.createElement('span');
        element.textContent = node.label;
        break;
      case 'Divider':
        element = document.createElement('hr');
        break;
      case 'Spacer':
        element = document.createElement('div');
        break;
      case 'Button':
        element = button(node.label ?? '', node.onClickAction as WidgetAction | undefined, node.disabled);
        break;
      default:
        element = document.createElement('p');
        element.textContent = `[${node.type}: not drawn by the offline stand-in]`;
        element.classList.add('unsupported');
    }
    element.classList.add(`w-${node.type}`);
    if (fields.id) element.dataset.componentId = fields.id;
    return element;
  };

  const button = (label: string, action: WidgetAction | undefined, disabled = false) => {
    const element = document.createElement('button');
    element.type = 'button';
    element.textContent = label;
    element.disabled = disabled || !action;
    if (action) {
      element.addEventListener('click', () => {
        element.disabled = true;
        void onAction(action).finally(() => {
          if (element.isConnected) element.disabled = false;
        });
      });
    }
    return element;
  };

  const cardActions = (...actions: ({ label: string; action: WidgetAction } | undefined)[]) =>
    actions.filter(action => action !== undefined).map(({ label, action }) => button(label, action));

  const root = draw(item.widget as unknown as Widgets.WidgetRoot);
  root.classList.add('widget');
  return root;
}

/** Applies a `widget.*` update to the item's widget (in place); false when it is not one. */
export function applyWidgetUpdate(item: WidgetItem, update: ThreadItemUpdate): boolean {
  switch (update.type) {
    case 'widget.root.updated':
      item.widget = update.widget;
      return true;
    case 'widget.component.updated':
      item.widget = mapComponent(item.widget, update.component_id, () => update.component);
      return true;
    case 'widget.streaming_text.value_delta':
      item.widget = mapComponent(item.widget, update.component_id, component => ({
        ...component,
        value: String(component.value ?? '') + update.delta,
        streaming: !update.done,
      }));
      return true;
    default:
      return false;
  }
}

/** A copy of `node` with the component whose id is `id` replaced by `replace(component)`. */
function mapComponent<T extends WidgetComponent>(node: T, id: string, replace: (component: WidgetComponent) => WidgetComponent): T {
  if (node.id === id) return replace(node) as T;
  if (!Array.isArray(node.children)) return node;
  return { ...node, children: (node.children as WidgetComponent[]).map(child => mapComponent(child, id, replace)) };
}
