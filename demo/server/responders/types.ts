// What answers the chat: the hooks of the package's createChatKitServer that the demo lets a responder
// fill (respond, and optionally the widget actions), plus a name for the logs. A responder yields
// ChatKit's stream events; throwing becomes the in-band error event; `context.signal` aborts when the
// client goes away.
import type { ChatKitContext, ChatKitServerOptions, ChatKitUser } from '../../../src/server/index.js';

export interface Responder extends Pick<ChatKitServerOptions<ChatKitContext>, 'respond' | 'action' | 'syncAction'> {
  readonly name: string;
}

/** A message of the thread as plain text, for responders that only read text. */
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
  identity: ChatKitUser;
  signal: AbortSignal;
}

/** A responder that reads the thread as text and answers with text (text.ts makes it a Responder). */
export interface TextResponder {
  readonly name: string;
  respond(input: ResponderInput): AsyncIterable<ResponderChunk>;
}
