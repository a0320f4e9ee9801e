import { browser } from './browser.js';
import { tolerantStorage } from './storage.js';
import type { TokenSnapshot } from './token-source.js';

const storage = tolerantStorage(() => browser.sessionStorage());

/** One element's entry in sessionStorage (chat-identity.ts names it): whose it is, and what they had. */
interface Entry {
  sub: string;
  /** A launcher's panel; an inline element has none. */
  open?: boolean;
  thread?: string | null;
}

/**
 * What the element keeps of the chat: the thread ChatKit last showed (so a remount reopens it) and
 * whether the launcher's panel is open. With `remember`, both also go to this tab's sessionStorage,
 * one entry per element (its key says which: chat-identity.ts) bound to the signed-in user (the token's `sub`): it is read back for
 * that user only, replaced as soon as another user's token arrives, and removed on sign-out. Never
 * the token. Storage that throws or is absent keeps the memory in this page only.
 */
export class ChatMemory {
  #key: string | undefined;
  /** The user the memory is for, once a token said. */
  #sub: string | undefined;
  #thread: string | null | undefined;
  /** Whether the launcher's panel is open; never set for an inline element, whose entry has no `open`. */
  #open: boolean | undefined;

  /** Remember in sessionStorage under `key`, or, when undefined, not at all. */
  use(key: string | undefined): void {
    this.#key = key;
  }

  /**
   * Whether a panel was open when this tab last left the page, whoever's it was: the user is only
   * known once a token comes, so the launcher takes it as intent and loads.
   */
  get pending(): boolean {
    return this.#read()?.open === true;
  }

  /** The thread ChatKit last showed (null: a new chat), once it said. */
  get thread(): string | null | undefined {
    return this.#thread;
  }

  set thread(thread: string | null | undefined) {
    this.#thread = thread;
    this.#write();
  }

  set open(open: boolean) {
    this.#open = open;
    this.#write();
  }

  /**
   * Follows the signed-in user: a token for someone new brings back their remembered thread (or
   * none) and replaces another user's entry; a sign-out forgets. Returns true when the user's
   * remembered panel was open, for the launcher to reopen.
   */
  follow({ state, sub }: TokenSnapshot): boolean {
    if (state === 'signed-out') {
      this.#sub = this.#thread = undefined;
      this.#remove();
      return false;
    }
    if (sub === undefined || sub === this.#sub) return false;
    this.#sub = sub;
    const entry = this.#read();
    const theirs = entry?.sub === sub ? entry : undefined;
    this.#thread = theirs?.thread;
    if (!theirs) this.#write();
    return theirs?.open === true;
  }

  #read(): Entry | undefined {
    let entry: Partial<Entry> | null = null;
    try {
      entry = JSON.parse((this.#key && storage.get(this.#key)) || 'null') as Partial<Entry> | null;
    } catch {
      // not JSON: nothing remembered
    }
    const thread = entry?.thread;
    if (typeof entry?.sub !== 'string' || (thread != null && typeof thread !== 'string')) return undefined;
    return { sub: entry.sub, open: entry.open === true, thread };
  }

  #write(): void {
    if (!this.#key || this.#sub === undefined) return;
    const entry: Entry = { sub: this.#sub, open: this.#open, thread: this.#thread };
    storage.set(this.#key, JSON.stringify(entry));
  }

  #remove(): void {
    if (this.#key) storage.remove(this.#key);
  }
}
