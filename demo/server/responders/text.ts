// Responders that think in text: the thread as plain messages for them (historyOf), and a text
// responder's chunks streamed as ChatKit events (fromText): progress notes first, then one assistant
// message made of the text pieces, through the package's streamAssistantMessage.
import { progress, streamAssistantMessage } from '../../../src/server/index.js';
import type { ChatKitContext, Store, ThreadItem, ThreadMetadata } from '../../../src/server/index.js';
import type { ChatMessage, Responder, TextResponder } from './types.js';

/** Messages of the thread given to a text responder (newest kept). */
const HISTORY_LIMIT = 50;

/** The thread's user and assistant messages as text, oldest first (the newest HISTORY_LIMIT items). */
export async function historyOf(store: Store, thread: ThreadMetadata, context: ChatKitContext): Promise<ChatMessage[]> {
  const page = await store.loadThreadItems(thread.id, undefined, HISTORY_LIMIT, 'desc', context);
  return page.data
    .reverse()
    .flatMap(item => (item.type === 'user_message' || item.type === 'assistant_message' ? [{ role: roleOf(item), text: textOf(item) }] : []));
}

function roleOf(item: ThreadItem): ChatMessage['role'] {
  return item.type === 'user_message' ? 'user' : 'assistant';
}

/** The text of a user or assistant message (tags as their text). */
export function textOf(item: ThreadItem): string {
  return item.type === 'user_message' || item.type === 'assistant_message' ? item.content.map(part => part.text).join('') : '';
}

/** A text responder as a Responder: it answers new user messages (nothing else reaches it). */
export function fromText(responder: TextResponder, store: Store): Responder {
  return {
    name: responder.name,
    async *respond(thread, input, context) {
      if (!input) return;
      const history = await historyOf(store, thread, context);
      const chunks = responder.respond({ threadId: thread.id, history, identity: context.user, signal: context.signal })[Symbol.asyncIterator]();
      // progress notes until the first piece of text, which starts the message
      let first: string | undefined;
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
        if (typeof next.value === 'string') {
          first = next.value;
          break;
        }
        yield progress(next.value.progress, next.value.icon);
      }
      if (first === undefined) throw new Error(`the ${responder.name} responder produced no text`);
      const opening = first;
      async function* text(): AsyncGenerator<string> {
        yield opening;
        for (let chunk = await chunks.next(); !chunk.done; chunk = await chunks.next()) if (typeof chunk.value === 'string') yield chunk.value;
      }
      yield* streamAssistantMessage(thread, text(), { generateId: type => store.generateItemId(type, thread, context) });
    },
  };
}
