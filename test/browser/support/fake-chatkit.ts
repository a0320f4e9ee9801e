import type { ChatKitOptions, CustomApiConfig, OpenAIChatKit } from '@openai/chatkit';

/** What test/browser/fixtures/fake-chatkit.js adds to <openai-chatkit>. */
export interface FakeChatKit extends OpenAIChatKit {
  optionsHistory: ChatKitOptions[];
  readonly options: ChatKitOptions & { api: CustomApiConfig };
  request(type: string, params?: Record<string, unknown>, init?: RequestInit): Promise<Response>;
  emit(type: string, detail?: unknown): void;
}

export const fakeChatKitSrc = '/test/browser/fixtures/fake-chatkit.js';
