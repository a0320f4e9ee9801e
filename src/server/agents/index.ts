// auth-chatkit/agents: an OpenAI Agents SDK (`@openai/agents`, an optional peer dependency) agent
// behind createChatKitServer. chatkit-python's `chatkit.agents` for TypeScript.
export { AgentContext } from './context.js';
export type { AgentContextOptions, ClientToolCallRequest } from './context.js';
export { ClientToolConfigurationError, ModelResponseError, PREVIOUS_RESPONSE_ID, PREVIOUS_RESPONSE_ITEM_ID, ResponseStreamConverter, streamAgentResponse } from './stream.js';
export type { ResponsesCitation, StreamAgentResponseOptions } from './stream.js';
export { loadAgentInput, ThreadItemConverter, toAgentInput } from './input.js';
export type { AgentInput, ConvertedInput, ThreadItemConverterOptions, UserInputContent } from './input.js';
export { CLIENT_TOOL_PENDING_OUTPUT, clientTool, withProgress } from './tools.js';
export type { ClientToolOptions, ToolProgress } from './tools.js';
