import type { ChatKitOptions } from '@openai/chatkit';
import type { ChatConfig } from './config.js';

/**
 * The FULL options for `setOptions` (it replaces, never merges): the host's `chatkitOptions`, then
 * the attributes, then the `api` we own (url, domain key and the authorized fetch always win), and
 * `threadId`, the thread ChatKit last showed.
 */
export function chatKitOptions(
  config: ChatConfig,
  extra: Partial<ChatKitOptions> | undefined,
  fetch: typeof globalThis.fetch,
  threadId?: string | null,
): ChatKitOptions {
  // A host's custom api keeps its other settings (e.g. uploadStrategy); a hosted api is replaced.
  const api = extra?.api && 'url' in extra.api ? extra.api : {};
  const uploads = config.attachments && { uploadStrategy: { type: 'two_phase' as const } };
  const options: ChatKitOptions = { ...extra, api: { ...uploads, ...api, url: config.apiUrl, domainKey: config.domainKey, fetch } };
  // The thread the user was in, once ChatKit said so, wins over the host's initial one.
  if (threadId !== undefined) options.initialThread = threadId;
  if (config.theme) {
    options.theme = typeof extra?.theme === 'object' ? { ...extra.theme, colorScheme: config.theme } : config.theme;
  }
  if (config.placeholder || config.attachments) {
    options.composer = { ...extra?.composer };
    if (config.placeholder) options.composer.placeholder = config.placeholder;
    // The host's own attachment settings win, key by key, as chatkitOptions always may.
    if (config.attachments) options.composer.attachments = { ...config.attachments, ...extra?.composer?.attachments };
  }
  if (config.greeting) options.startScreen = { ...extra?.startScreen, greeting: config.greeting };
  if (config.locale) options.locale = config.locale as ChatKitOptions['locale'];
  return options;
}
