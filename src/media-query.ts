import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { browser } from './browser.js';

/**
 * Follows a CSS media query while the host is connected: `matches` is current and every change
 * updates the host. The listener goes on disconnect.
 */
export class MediaQueryController implements ReactiveController {
  readonly #host: ReactiveControllerHost;
  readonly #query: string;
  #list: MediaQueryList | undefined;
  #listening: AbortController | undefined;

  constructor(host: ReactiveControllerHost, query: string) {
    this.#host = host;
    this.#query = query;
    host.addController(this);
  }

  /** Whether the query matches now (false while disconnected). */
  get matches(): boolean {
    return this.#list?.matches ?? false;
  }

  hostConnected(): void {
    this.#listening = new AbortController();
    this.#list = browser.matchMedia(this.#query);
    this.#list.addEventListener('change', () => this.#host.requestUpdate(), { signal: this.#listening.signal });
  }

  hostDisconnected(): void {
    this.#listening?.abort();
    this.#list = undefined;
  }
}
