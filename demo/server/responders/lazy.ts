// A responder whose module loads on its first reply: the Agents SDK costs a second of start-up that a
// demo without OPENAI_API_KEY (and every test of the offline one) should not pay.
import type { Responder } from './types.js';

export function lazyResponder(name: string, load: () => Promise<Responder>): Responder {
  let loaded: Promise<Responder> | undefined;
  return {
    name,
    async *respond(thread, input, context) {
      loaded ??= load();
      yield* (await loaded).respond(thread, input, context);
    },
  };
}
