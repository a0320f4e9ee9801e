// The OpenAI responder (when OPENAI_API_KEY is set): the Responses API, streamed, with the thread's
// history from the store as input. Nothing is stored at OpenAI (`store: false`).
import OpenAI from 'openai';
import type { ResponderChunk, TextResponder } from './types.js';

export interface OpenAIResponderOptions {
  apiKey: string;
  model: string;
  /** Another Responses API endpoint (a proxy; a local stub in tests). */
  baseURL?: string;
  timeoutMs?: number;
}

export function createOpenAIResponder(options: OpenAIResponderOptions): TextResponder {
  const client = new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    maxRetries: 1,
    timeout: options.timeoutMs ?? 60_000,
  });
  return {
    name: 'openai',
    async *respond({ history, identity, signal }): AsyncGenerator<ResponderChunk> {
      yield { progress: 'Thinking...', icon: 'sparkle' };
      const instructions = [
        'You are the assistant of the auth-chatkit demo: a chat whose requests are authenticated with short-lived JWTs.',
        identity.name ? `The signed-in user's name is ${JSON.stringify(identity.name)}.` : '',
        'Answer concisely.',
      ].join(' ');
      const stream = await client.responses.create(
        {
          model: options.model,
          instructions,
          input: history.map(message => ({ role: message.role, content: message.text })),
          stream: true,
          store: false,
        },
        { signal },
      );
      for await (const event of stream) {
        if (event.type === 'response.output_text.delta') yield event.delta;
        else if (event.type === 'response.failed') throw new Error(event.response.error?.message ?? 'The model failed to answer.');
        else if (event.type === 'error') throw new Error(event.message);
      }
    },
  };
}
