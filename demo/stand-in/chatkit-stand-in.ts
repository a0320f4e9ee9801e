// The offline ChatKit stand-in: a small, accessible <openai-chatkit> for when OpenAI's CDN is out
// of reach. Like the real runtime it is a classic script that defines the element, takes its
// configuration through setOptions, and talks to the backend ONLY through options.api.fetch with
// ChatKit's real wire protocol: the streamed requests (threads.create, add_user_message,
// retry_after_item, custom_action, add_client_tool_output, add_structured_input) read as server-sent
// events, the JSON ones (threads.list, get_by_id, sync_custom_action). It draws every item the protocol
// has in a minimal way (items.ts, widgets.ts), calls the page's onClientTool and widgets.onAction like
// the runtime, and dispatches its chatkit.* events. It fakes nothing: every word comes from the backend.
// A test double of OpenAI's runtime, labelled as such on screen; never a product of its own.
import type { ChatKitOptions, CustomApiConfig, Widgets } from '@openai/chatkit';
import type {
  ClientToolCallItem,
  Page,
  StructuredInputItem,
  StructuredInputSubmission,
  SyncCustomActionResponse,
  Thread,
  ThreadItem,
  ThreadMetadata,
  ThreadStreamEvent,
  WidgetItem,
} from '../../src/server/chatkit/types.js';
import { attachmentStyles, ComposerAttachments } from './attachments.js';
import { applyUpdate, renderItem } from './items.js';
import type { ItemHandlers } from './items.js';
import type { WidgetAction } from './widgets.js';

type Options = ChatKitOptions & { api: CustomApiConfig };

const styles = `
:host{display:block;height:100%;font:15px/1.5 system-ui,sans-serif}
*{box-sizing:border-box}
.app{display:grid;grid-template-rows:auto 1fr auto;grid-template-columns:minmax(0,1fr);height:100%;color:#1f2328;background:#fff;
  --muted:#59636e;--line:#d1d9e0;--accent:#0969da;--bubble:#f6f8fa;--mine:#ddf4ff}
.app.dark{color:#f0f6fc;background:#0d1117;--muted:#9198a1;--line:#3d444d;--accent:#4493f8;--bubble:#151b23;--mine:#0c2d6b}
header{display:flex;align-items:center;gap:.5rem;padding:.5rem .75rem;border-bottom:1px solid var(--line)}
.label{font-size:12px;padding:.1rem .45rem;border-radius:999px;border:1px solid var(--line);color:var(--muted);white-space:nowrap}
header .title{flex:1;min-width:0;font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
button,select,textarea{font:inherit;color:inherit}
button{border:1px solid var(--line);background:transparent;border-radius:6px;padding:.3rem .7rem;cursor:pointer}
button:focus-visible,select:focus-visible,textarea:focus-visible{outline:2px solid var(--accent);outline-offset:1px}
button[disabled]{opacity:.5;cursor:default}
select{min-width:0;max-width:40%;border:1px solid var(--line);border-radius:6px;background:transparent;padding:.25rem}
.log{list-style:none;margin:0;padding:1rem .75rem;overflow-y:auto;display:flex;flex-direction:column;gap:.6rem}
.log li{max-width:85%;padding:.5rem .75rem;border-radius:12px;background:var(--bubble);white-space:pre-wrap;overflow-wrap:anywhere}
.log li.user{align-self:flex-end;background:var(--mine)}
code{font:13px ui-monospace,monospace;background:var(--line);padding:0 .25rem;border-radius:4px}
.log li.note{align-self:center;background:none;color:var(--muted);font-size:13px;padding:0}
.log li.error,.log li.notice-danger{align-self:center;background:none;color:#cf222e;font-size:13px;padding:0}
.log li.notice-warning{align-self:center;background:none;color:#9a6700;font-size:13px;padding:0}
.log li.error button{margin-left:.5rem;font-size:13px}
.log li.widget,.log li.structured-input,.log li.workflow,.log li.task{background:none;border:1px solid var(--line)}
.widget{display:flex;flex-direction:column;gap:.4rem}.widget p{margin:0}.w-Row{display:flex;gap:.5rem;flex-wrap:wrap}
.w-ListView{margin:0;padding-left:1.2rem}.w-Badge{font-size:12px;border:1px solid var(--line);border-radius:999px;padding:0 .4rem;align-self:flex-start}
.sources{margin:.4rem 0 0;padding-left:1.2rem;font-size:13px;white-space:normal}.sources a{color:var(--accent)}
.tasks{margin:.25rem 0 0;padding-left:1.2rem}.tasks p{margin:0;color:var(--muted)}
form.structured{display:flex;flex-direction:column;gap:.5rem}fieldset{border:1px solid var(--line);border-radius:8px}
form.structured textarea{width:100%}dl{margin:0}dd{margin:0 0 .3rem 1rem}
.greeting{margin:auto;color:var(--muted);text-align:center;font-size:1.1rem}
form.composer{display:flex;gap:.5rem;padding:.6rem .75rem;border-top:1px solid var(--line)}
form.composer textarea{flex:1;min-width:0;resize:none;min-height:2.5rem;max-height:8rem;border:1px solid var(--line);border-radius:8px;padding:.45rem .6rem;background:transparent}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}
@media (max-width:480px){header{flex-wrap:wrap}header .title{flex-basis:calc(100% - 9rem)}select{max-width:none;flex:1 1 60%}}
`;

class ChatKitStandIn extends HTMLElement {
  #options: Options | undefined;
  #threadId: string | null = null;
  #streaming: AbortController | undefined;
  #allowCancel = true;
  #readyFired = false;
  readonly #root = this.attachShadow({ mode: 'open' });
  readonly #log: HTMLOListElement;
  readonly #input: HTMLTextAreaElement;
  readonly #send: HTMLButtonElement;
  readonly #picker: HTMLSelectElement;
  readonly #title: HTMLElement;
  readonly #attachments = new ComposerAttachments(() => this.#options, error => this.#fail(error));
  /** The thread's items on screen, in order: item id -> its data and its list element. */
  readonly #items = new Map<string, { item: ThreadItem; entry: HTMLLIElement }>();
  readonly #handlers: ItemHandlers = {
    widgetAction: (item, action) => this.#widgetAction(item, action),
    structuredInput: (item, input) => this.#answerForm(item, input),
  };

  constructor() {
    super();
    this.#root.innerHTML = `<style>${styles}${attachmentStyles}</style>
      <div class="app">
        <header>
          <span class="label" title="Not OpenAI's ChatKit: auth-chatkit's offline stand-in speaking the same protocol">offline stand-in</span>
          <span class="title" part="title">New chat</span>
          <label class="sr" for="threads">Conversations</label>
          <select id="threads"><option value="">Conversations…</option></select>
          <button type="button" class="new" aria-label="New chat">New</button>
        </header>
        <ol class="log" role="log" aria-live="polite" aria-label="Messages"></ol>
        <form class="composer">
          <label class="sr" for="composer">Message</label>
          <textarea id="composer" rows="1"></textarea>
          <button type="submit" class="send">Send</button>
        </form>
      </div>`;
    this.#log = this.#root.querySelector('.log')!;
    this.#input = this.#root.querySelector('#composer')!;
    this.#send = this.#root.querySelector('.send')!;
    this.#picker = this.#root.querySelector('select')!;
    this.#title = this.#root.querySelector('.title')!;
    const composer = this.#root.querySelector<HTMLFormElement>('form.composer')!;
    composer.before(this.#attachments.list);
    composer.prepend(this.#attachments.button, this.#attachments.input);
    this.#root.querySelector<HTMLFormElement>('form.composer')!.addEventListener('submit', event => {
      event.preventDefault();
      if (this.#streaming) this.#streaming.abort();
      else void this.sendUserMessage({ text: this.#input.value });
    });
    this.#input.addEventListener('keydown', event => {
      if (event.key === 'Enter' && !event.shiftKey) {
        event.preventDefault();
        this.#root.querySelector<HTMLFormElement>('form.composer')!.requestSubmit();
      }
    });
    this.#root.querySelector('.new')!.addEventListener('click', () => void this.setThreadId(null));
    this.#picker.addEventListener('change', () => void this.setThreadId(this.#picker.value || null));
  }

  /** Like ChatKit's: REPLACES all options. */
  setOptions(options: Options): void {
    const first = !this.#options;
    this.#options = options;
    const scheme = typeof options.theme === 'string' ? options.theme : options.theme?.colorScheme;
    this.#root.querySelector('.app')!.classList.toggle('dark', scheme === 'dark');
    this.#input.placeholder = options.composer?.placeholder ?? 'Message the AI';
    this.#attachments.configure();
    if (first) void this.#start();
    else if (!this.#threadId) this.#showGreeting();
  }

  async focusComposer(): Promise<void> {
    this.#input.focus();
  }

  async setThreadId(threadId: string | null): Promise<void> {
    this.#streaming?.abort();
    this.#threadId = threadId;
    this.#items.clear();
    this.#log.replaceChildren();
    this.#picker.value = threadId ?? '';
    this.#title.textContent = 'New chat';
    this.#emit('chatkit.thread.change', { threadId });
    if (!threadId) {
      this.#showGreeting();
      return;
    }
    this.#emit('chatkit.thread.load.start', { threadId });
    const thread = await this.#json<Thread>('threads.get_by_id', { thread_id: threadId });
    if (thread) {
      this.#title.textContent = thread.title ?? 'Untitled';
      for (const item of thread.items.data) this.#put(item);
    }
    this.#emit('chatkit.thread.load.end', { threadId });
  }

  async fetchUpdates(): Promise<void> {
    await this.#refreshThreads();
  }

  async sendUserMessage({ text, newThread }: { text?: string; newThread?: boolean }): Promise<void> {
    const message = text?.trim();
    if (!message || !this.#options || this.#streaming) return;
    if (newThread) await this.setThreadId(null);
    this.#input.value = '';
    const input = { content: [{ type: 'input_text', text: message }], attachments: await this.#attachments.take(), inference_options: {} };
    const request = this.#threadId
      ? { type: 'threads.add_user_message', params: { thread_id: this.#threadId, input } }
      : { type: 'threads.create', params: { input } };
    if (!this.#threadId) this.#log.replaceChildren();
    await this.#stream(request);
  }

  /**
   * Like ChatKit's: sends an action to the server's `action` hook as `threads.custom_action` (a
   * streamed reply), for the widget item `itemId` when given.
   */
  async sendCustomAction(action: { type: string; payload?: Record<string, unknown> }, itemId?: string): Promise<void> {
    if (!this.#threadId || this.#streaming) return;
    await this.#stream({ type: 'threads.custom_action', params: { thread_id: this.#threadId, ...(itemId && { item_id: itemId }), action } });
  }

  /** A widget's control: the page's widgets.onAction (handler "client"), else the server, streamed or not. */
  async #widgetAction(item: WidgetItem, { type, payload, handler, streaming }: WidgetAction): Promise<void> {
    const action = { type, ...(payload !== undefined && { payload }) };
    if (handler === 'client') {
      try {
        await this.#options?.widgets?.onAction?.(action, { id: item.id, widget: item.widget as unknown as Widgets.WidgetRoot });
      } catch (error) {
        this.#fail(error);
      }
      return;
    }
    if (streaming !== false) return this.sendCustomAction(action, item.id);
    // allowed while a reply streams, like ChatKit's sync actions
    const answer = await this.#json<SyncCustomActionResponse>('threads.sync_custom_action', { thread_id: item.thread_id, item_id: item.id, action });
    if (answer?.updated_item) this.#put(answer.updated_item);
  }

  async #answerForm(item: StructuredInputItem, input: StructuredInputSubmission): Promise<void> {
    await this.#stream({ type: 'threads.add_structured_input', params: { thread_id: item.thread_id, item_id: item.id, input } });
  }

  /** A pending client tool call: the page's onClientTool answers it, and its result goes back to the server. */
  async #answerToolCall(item: ClientToolCallItem): Promise<void> {
    let result: Record<string, unknown>;
    try {
      const handler = this.#options?.onClientTool;
      if (!handler) throw new Error(`The page has no onClientTool to answer the client tool "${item.name}".`);
      result = await handler({ name: item.name, params: item.arguments });
    } catch (error) {
      this.#fail(error);
      return;
    }
    // the server completes the call without an event: the client shows it completed itself
    this.#put({ ...item, status: 'completed', output: result });
    await this.#stream({ type: 'threads.add_client_tool_output', params: { thread_id: item.thread_id, result } });
  }

  /** Sends the turn again from the thread's last user message (after an error that allows retry). */
  async #retry(): Promise<void> {
    const entries = [...this.#items.values()];
    const last = entries.findLastIndex(({ item }) => item.type === 'user_message');
    if (!this.#threadId || last < 0 || this.#streaming) return;
    // the server drops what followed that message without telling (no thread.item.removed)
    for (const { item, entry } of entries.slice(last + 1)) {
      entry.remove();
      this.#items.delete(item.id);
    }
    this.#log.querySelectorAll('li.error').forEach(entry => entry.remove());
    await this.#stream({ type: 'threads.retry_after_item', params: { thread_id: this.#threadId, item_id: entries[last]!.item.id } });
  }

  async #start(): Promise<void> {
    // Like ChatKit: `initialThread` opens that thread at start, null or absent a new chat.
    const initial = this.#options?.initialThread;
    if (initial) await this.setThreadId(initial);
    else this.#showGreeting();
    await this.#refreshThreads();
    if (!this.#readyFired) {
      this.#readyFired = true;
      this.#emit('chatkit.ready');
    }
  }

  #showGreeting(): void {
    if (this.#log.childElementCount > 0 && !this.#log.querySelector('.greeting')) return;
    const greeting = document.createElement('li');
    greeting.className = 'note greeting';
    greeting.textContent = this.#options?.startScreen?.greeting ?? 'What can I help with today?';
    this.#log.replaceChildren(greeting);
  }

  async #refreshThreads(): Promise<void> {
    const page = await this.#json<Page<ThreadMetadata>>('threads.list', { limit: 20, order: 'desc' });
    if (!page) return;
    const options = page.data.map(thread => new Option(thread.title ?? 'Untitled', thread.id));
    this.#picker.replaceChildren(new Option('Conversations…', ''), ...options);
    this.#picker.value = this.#threadId ?? '';
  }

  /** A JSON request; failures are reported as chatkit.error and shown, never thrown. */
  async #json<T>(type: string, params: Record<string, unknown>): Promise<T | undefined> {
    try {
      const response = await this.#post({ type, params });
      if (!response.ok) throw new Error(await describeFailure(response));
      return (await response.json()) as T;
    } catch (error) {
      this.#fail(error);
      return undefined;
    }
  }

  #post(body: unknown, signal?: AbortSignal): Promise<Response> {
    const { url, fetch: send = fetch } = this.#options!.api;
    return send(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Accept-Language': navigator.language },
      body: JSON.stringify(body),
      signal,
    });
  }

  /**
   * A streaming request: server-sent events, one `data: <json>` per event, until the body ends. A
   * client tool call left pending by the reply is answered next, as ChatKit does.
   */
  async #stream(request: { type: string; params: Record<string, unknown> }): Promise<void> {
    const controller = new AbortController();
    let toolCall: ClientToolCallItem | undefined;
    this.#streaming = controller;
    this.#allowCancel = true;
    this.#setBusy(true);
    this.#emit('chatkit.response.start');
    try {
      const response = await this.#post(request, controller.signal);
      if (!response.ok || !response.body) throw new Error(await describeFailure(response));
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const chunk = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          for (const line of chunk.split('\n')) {
            if (!line.startsWith('data:')) continue;
            const event = JSON.parse(line.slice(5)) as ThreadStreamEvent;
            this.#onEvent(event);
            if (event.type === 'thread.item.done' && event.item.type === 'client_tool_call' && event.item.status === 'pending') toolCall = event.item;
          }
        }
      }
    } catch (error) {
      if (!controller.signal.aborted) this.#fail(error);
    } finally {
      this.#progress(undefined);
      this.#streaming = undefined;
      this.#setBusy(false);
      this.#emit('chatkit.response.end');
    }
    if (toolCall && !controller.signal.aborted) await this.#answerToolCall(toolCall);
    else await this.#refreshThreads();
  }

  #onEvent(event: ThreadStreamEvent): void {
    switch (event.type) {
      case 'thread.created':
        this.#threadId = event.thread.id;
        this.#emit('chatkit.thread.change', { threadId: event.thread.id });
        break;
      case 'thread.updated':
        this.#title.textContent = event.thread.title ?? 'Untitled';
        break;
      case 'thread.item.added':
      case 'thread.item.done':
      case 'thread.item.replaced':
        this.#put(event.item);
        if (event.item.type !== 'user_message') this.#progress(undefined);
        break;
      case 'thread.item.updated': {
        const shown = this.#items.get(event.item_id);
        if (shown && applyUpdate(shown.item, event.update)) renderItem(shown.entry, shown.item, this.#handlers);
        break;
      }
      case 'thread.item.removed':
        this.#items.get(event.item_id)?.entry.remove();
        this.#items.delete(event.item_id);
        break;
      case 'stream_options':
        this.#allowCancel = event.stream_options.allow_cancel;
        this.#setBusy(true);
        break;
      case 'progress_update':
        this.#progress(event.text);
        break;
      case 'client_effect':
        this.#emit('chatkit.effect', { name: event.name, data: event.data });
        break;
      case 'notice':
        this.#note(event.title ? `${event.title}: ${event.message}` : event.message, `notice-${event.level}`).setAttribute('role', event.level === 'info' ? 'status' : 'alert');
        break;
      case 'error': {
        const entry = this.#fail(new Error(event.message ?? 'Something went wrong.'));
        if (event.allow_retry) {
          const retry = document.createElement('button');
          retry.type = 'button';
          retry.textContent = 'Retry';
          retry.addEventListener('click', () => void this.#retry());
          entry.append(retry);
        }
        break;
      }
    }
  }

  /** Shows `item` (a new entry, or its entry drawn again). */
  #put(item: ThreadItem): void {
    this.#log.querySelector('.greeting')?.remove();
    let shown = this.#items.get(item.id);
    if (shown) shown.item = item;
    else {
      shown = { item, entry: document.createElement('li') };
      this.#items.set(item.id, shown);
      this.#log.append(shown.entry);
    }
    renderItem(shown.entry, item, this.#handlers);
    this.#log.scrollTop = this.#log.scrollHeight;
  }

  #note(text: string, kind: string): HTMLLIElement {
    const entry = document.createElement('li');
    entry.className = kind;
    entry.textContent = text;
    this.#log.append(entry);
    this.#log.scrollTop = this.#log.scrollHeight;
    return entry;
  }

  #progress(text: string | undefined): void {
    this.#log.querySelector('.progress')?.remove();
    if (text) this.#note(text, 'note').classList.add('progress');
  }

  #fail(error: unknown): HTMLLIElement {
    const message = error instanceof Error ? error.message : String(error);
    const entry = this.#note(message, 'error');
    this.#emit('chatkit.error', { error: error instanceof Error ? error : new Error(message) });
    return entry;
  }

  #setBusy(busy: boolean): void {
    // stream_options.allow_cancel false: no stop button for this reply
    this.#send.disabled = busy && !this.#allowCancel;
    this.#send.textContent = busy ? 'Stop' : 'Send';
    this.#send.setAttribute('aria-label', busy ? 'Stop generating' : 'Send message');
    this.#input.disabled = busy;
    if (!busy) this.#input.focus({ preventScroll: true });
  }

  #emit(type: string, detail?: unknown): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }
}

async function describeFailure(response: Response): Promise<string> {
  let detail = '';
  try {
    const body = (await response.json()) as { error?: string };
    detail = body.error ? `: ${body.error}` : '';
  } catch {
    // not JSON
  }
  return `The chat backend answered ${response.status}${detail}`;
}

if (!customElements.get('openai-chatkit')) customElements.define('openai-chatkit', ChatKitStandIn);
