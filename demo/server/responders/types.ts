// What the chat protocol asks of a reply generator: given the thread so far, the verified caller and
// an AbortSignal, yield the reply as text deltas (and, optionally, progress notes). Throwing becomes
// ChatKit's in-band error event; the signal aborts when the client goes away.
import type { Identity } from '../../../src/server/index.js';

export interface ChatMessage {
  role: 'user' | 'assistant';
  text: string;
}

/** A piece of the reply text, or a progress note shown while waiting (ChatKit's progress_update). */
export type ResponderChunk = string | { progress: string; icon?: string };

export interface ResponderInput {
  threadId: string;
  /** Oldest first; the last message is the user's message to answer. */
  history: ChatMessage[];
  identity: Identity;
  signal: AbortSignal;
}

export interface Responder {
  readonly name: string;
  respond(input: ResponderInput): AsyncIterable<ResponderChunk>;
}
