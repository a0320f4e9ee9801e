import type { ChatKitOptions, OpenAIChatKit } from '@openai/chatkit';
import { authorizedFetch } from './authorized-fetch.js';
import { forwardChatKitEvents } from './chatkit-events.js';
import { chatKitOptions } from './chatkit-options.js';
import type { ChatConfig } from './config.js';
import { sameOptions } from './same-options.js';
import type { TokenSource } from './token-source.js';

/** What a mount needs besides the config: where events go, and what to tell the element. */
export interface MountContext {
  /** Re-dispatches ChatKit's events. */
  host: EventTarget;
  source: TokenSource;
  /** Extra ChatKit options the host page set (`chatkitOptions`). */
  extra: Partial<ChatKitOptions> | undefined;
  /** The thread to reopen (null: a new chat), once ChatKit said which it showed. */
  thread: string | null | undefined;
  onThreadChange(thread: string | null): void;
  /** The backend refused a freshly refreshed token too. */
  onRejected(): void;
}

/**
 * One `<openai-chatkit>`: created on the first mount, given FULL options again whenever what they
 * are built from changes (setOptions replaces, never merges; an equal new `chatkitOptions` object is
 * no change), removed on unmount with its listeners.
 */
export class ChatKitMount {
  element: OpenAIChatKit | undefined;
  #listening: AbortController | undefined;
  /** What the current options were built from. */
  #applied: { key: string; extra: Partial<ChatKitOptions> | undefined; apiUrl: string } | undefined;

  /** The chat backend the applied options name, if any. */
  get apiUrl(): string | undefined {
    return this.#applied?.apiUrl;
  }

  mount(config: ChatConfig, context: MountContext): void {
    if (!this.element) {
      const chatkit = document.createElement('openai-chatkit');
      const { signal } = (this.#listening = new AbortController());
      forwardChatKitEvents(chatkit, context.host, signal);
      chatkit.addEventListener('chatkit.thread.change', event => context.onThreadChange(event.detail.threadId), { signal });
      this.element = chatkit;
    }
    const key = JSON.stringify(config);
    const { extra, source } = context;
    if (this.#applied?.key === key && sameOptions(this.#applied.extra, extra)) return;
    const fetch = authorizedFetch({ source, apiUrl: config.apiUrl, onRejected: context.onRejected });
    this.element.setOptions(chatKitOptions(config, extra, fetch, context.thread));
    this.#applied = { key, extra, apiUrl: config.apiUrl };
  }

  unmount(): void {
    this.#listening?.abort();
    this.element?.remove();
    this.element = this.#listening = this.#applied = undefined;
  }
}
