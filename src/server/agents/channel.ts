// An unbounded async queue with one reader: what tools put into a reply, and the model's events
// pumped beside them, come out in the order they went in.
import type { RunStreamEvent } from '@openai/agents';
import type { ThreadStreamEvent } from '../chatkit/index.js';

/** What flows to `streamAgentResponse`: an event a tool made, one of the run's, or the run's end. */
export type AgentStreamEntry = { tool: ThreadStreamEvent } | { run: RunStreamEvent } | { end: true; error?: unknown };

export class EventChannel<T> {
  #buffer: T[] = [];
  #waiting: ((result: IteratorResult<T>) => void) | undefined;
  #closed = false;

  push(value: T): void {
    if (this.#closed) return;
    if (this.#waiting) {
      const wake = this.#waiting;
      this.#waiting = undefined;
      wake({ value, done: false });
    } else this.#buffer.push(value);
  }

  /** No more values; those already queued are still read. */
  close(): void {
    this.#closed = true;
    if (this.#waiting && this.#buffer.length === 0) {
      const wake = this.#waiting;
      this.#waiting = undefined;
      wake({ value: undefined, done: true });
    }
  }

  /** Drops what is queued and ends the channel. */
  discard(): void {
    this.#buffer = [];
    this.close();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#buffer.length > 0) return Promise.resolve({ value: this.#buffer.shift()!, done: false });
    if (this.#closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise(resolve => (this.#waiting = resolve));
  }
}
