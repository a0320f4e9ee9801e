// Tools with a ChatKit side: the progress line a tool call shows, and client tools (run by the page's
// `chatkitOptions.onClientTool`, answered with `threads.add_client_tool_output`).
import { tool } from '@openai/agents';
import type { FunctionTool, RunContext, Tool, ToolInputParameters } from '@openai/agents';

/** The third argument of a tool's `execute` (the SDK does not export its type by name). */
interface ToolCallDetails {
  toolCall?: { callId: string; id?: string };
}
import type { AgentContext } from './context.js';

/** The `progress_update` a call of the tool shows (default: the tool's name, no icon). */
export interface ToolProgress {
  label: string;
  /** A ChatKit icon name (`search`, `globe`, `lucide:…`). */
  icon?: string;
}

const progressKey = Symbol.for('auth-chatkit.toolProgress');

/** Declares the progress line a call of `tool` shows in the chat; returns the same tool. */
export function withProgress<T extends Tool<never>>(tool: T, progress: ToolProgress): T {
  Object.defineProperty(tool, progressKey, { value: { ...progress }, enumerable: false, configurable: true });
  return tool;
}

/** The progress a tool declared with `withProgress`, if any. */
export function toolProgressOf(tool: unknown): ToolProgress | undefined {
  return typeof tool === 'object' && tool !== null ? ((tool as Record<symbol, ToolProgress | undefined>)[progressKey] ?? undefined) : undefined;
}

export interface ClientToolOptions<TParameters extends ToolInputParameters> extends Partial<ToolProgress> {
  /** The name the page's `onClientTool` receives. */
  name: string;
  description: string;
  /** A zod object or a JSON schema of the arguments. */
  parameters: TParameters;
  /** Strict JSON schema for the arguments (the SDK's default: true). */
  strict?: boolean;
}

/** What the SDK records as the client tool's output in the run itself; the page's answer comes next turn. */
export const CLIENT_TOOL_PENDING_OUTPUT = 'Sent to the page; its answer arrives with the next turn.';

/**
 * A tool the page runs. Calling it records the call (with the model's `call_id`) in the AgentContext;
 * `streamAgentResponse` ends the reply with a pending `client_tool_call` item, the page's
 * `onClientTool` answers, and `threads.add_client_tool_output` runs the agent again with that output.
 * The run must stop at the tool: give the agent `toolUseBehavior: { stopAtToolNames: [name] }`.
 */
export function clientTool<TParameters extends ToolInputParameters>(options: ClientToolOptions<TParameters>): FunctionTool<AgentContext, TParameters> {
  const { name, label, icon } = options;
  const made = tool({
    name,
    description: options.description,
    parameters: options.parameters,
    strict: options.strict ?? true,
    execute(input: unknown, runContext?: RunContext<AgentContext>, details?: ToolCallDetails) {
      const context = runContext?.context;
      if (!context?.generateId) throw new TypeError(`The client tool "${name}" needs an AgentContext as the run's context.`);
      context.clientToolCall = {
        name,
        arguments: (input ?? {}) as Record<string, unknown>,
        callId: details?.toolCall?.callId ?? context.generateId('tool_call'),
        ...(details?.toolCall?.id ? { itemId: details.toolCall.id } : {}),
      };
      return CLIENT_TOOL_PENDING_OUTPUT;
    },
  } as never) as FunctionTool<AgentContext, TParameters>;
  return label ? withProgress(made, icon ? { label, icon } : { label }) : made;
}
