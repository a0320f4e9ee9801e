// The OpenAI responder (when OPENAI_API_KEY is set): an agent of the OpenAI Agents SDK behind the chat,
// through auth-chatkit/agents. Its tools: `whoami` (the verified token's claims), `show_profile_card`
// (answers with a widget card) and the page's `get_page_info` (a client tool: the page's
// onClientTool runs it). Nothing is stored at OpenAI (`store: false`): each turn sends the thread
// again, and a reasoning model's reasoning travels encrypted. The SDK's tracing export is off unless
// OPENAI_AGENTS_TRACING is set.
import { Agent, OpenAIProvider, Runner, tool } from '@openai/agents';
import type { ModelSettings, RunContext } from '@openai/agents';
import OpenAI from 'openai';
import { z } from 'zod';
import { AgentContext, clientTool, loadAgentInput, streamAgentResponse, ThreadItemConverter, withProgress } from '../../../src/server/agents/index.js';
import type { ChatKitContext, Store, WidgetRoot } from '../../../src/server/index.js';
import { PAGE_INFO_TOOL } from './offline.js';
import type { Responder } from './types.js';

export interface OpenAIResponderOptions {
  apiKey: string;
  model: string;
  store: Store;
  /** Another Responses API endpoint (a proxy; the stand-in in tests). */
  baseURL?: string;
  timeoutMs?: number;
  /** Send the SDK's traces to OpenAI (default: off). */
  tracing?: boolean;
  /** An uploaded file's checked bytes (the attachments' store): images and files go to the model inline. */
  readAttachment?: (attachmentId: string, context: ChatKitContext) => Promise<{ data: Uint8Array; mimeType: string }>;
}

/** Models that reason (and take `reasoning` options), as OpenAI names them. */
export const isReasoningModel = (model: string): boolean => /^(o\d|gpt-5)/.test(model);

type Run = RunContext<AgentContext>;

const whoami = withProgress(
  tool({
    name: 'whoami',
    description: "The signed-in user's verified identity: the JWT's subject, name and every claim (issuer, audience, expiry).",
    parameters: z.object({}),
    execute: async (_input, run?: Run) => {
      const { sub, name, claims } = run!.context.user;
      return JSON.stringify({ sub, name, claims });
    },
  }),
  { label: 'Checking who you are…', icon: 'profile' },
);

const profileCard = (name: string, sub: string, expires: string): WidgetRoot => ({
  type: 'Card',
  children: [
    { type: 'Title', value: name, size: 'sm' },
    { type: 'Text', value: `Account ${sub}`, color: 'secondary' },
    { type: 'Caption', value: `Token valid until ${expires}` },
  ],
});

const showProfileCard = withProgress(
  tool({
    name: 'show_profile_card',
    description: "Shows the signed-in user's profile as a card in the chat. Use it when the user asks to see their profile or account.",
    parameters: z.object({}),
    execute: async (_input, run?: Run) => {
      const context = run!.context;
      const { sub, name, claims } = context.user;
      const expires = typeof claims.exp === 'number' ? new Date(claims.exp * 1000).toISOString() : 'unknown';
      await context.streamWidget(profileCard(name ?? sub, sub, expires), { copyText: `${name ?? sub} (${sub})` });
      return 'The card is shown to the user; do not repeat its content.';
    },
  }),
  { label: 'Drawing your card…', icon: 'sparkle' },
);

const getPageInfo = clientTool({
  name: PAGE_INFO_TOOL,
  description: 'The title and URL of the web page the chat is embedded in (the page answers).',
  parameters: z.object({}),
  label: 'Asking the page…',
  icon: 'desktop',
});

export function createOpenAIResponder(options: OpenAIResponderOptions): Responder {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const client = new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL, maxRetries: 1, timeout: timeoutMs });
  const runner = new Runner({ modelProvider: new OpenAIProvider({ openAIClient: client }), tracingDisabled: !options.tracing });
  const modelSettings: ModelSettings = isReasoningModel(options.model)
    ? { store: false, reasoning: { effort: 'low', summary: 'auto' }, providerData: { include: ['reasoning.encrypted_content'] } }
    : { store: false };
  const agent = new Agent<AgentContext>({
    name: 'auth-chatkit demo assistant',
    instructions: run =>
      [
        'You are the assistant of the auth-chatkit demo: a chat whose requests are authenticated with short-lived JWTs.',
        run.context.user.name ? `The signed-in user's name is ${JSON.stringify(run.context.user.name)}.` : '',
        'Use your tools when asked who the user is, to show their profile card, or about the page the chat is on. Answer concisely.',
      ].join(' '),
    model: options.model,
    modelSettings,
    tools: [whoami, showProfileCard, getPageInfo],
    toolUseBehavior: { stopAtToolNames: [PAGE_INFO_TOOL] },
  });
  const { store, readAttachment } = options;
  return {
    name: 'openai',
    async *respond(thread, _input, context) {
      const agentContext = new AgentContext({ thread, store, requestContext: context });
      const converter = new ThreadItemConverter(readAttachment ? { readAttachment: attachment => readAttachment(attachment.id, context) } : {});
      const { input, previousResponseId } = await loadAgentInput(agentContext, { converter });
      const result = await runner.run(agent, input, { stream: true, context: agentContext, previousResponseId, signal: context.signal });
      // the client's timeout covers the wait for the model's headers; this, a stream that stalls after
      yield* streamAgentResponse(agentContext, result, { idleTimeoutMs: timeoutMs });
    },
  };
}
