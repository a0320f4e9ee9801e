// The default responder: no network, no model, deterministic. It shows every capability of the
// package's ChatKit server on command (a user message that is exactly one of these words):
//   widget   a card with two buttons: one answered by a streamed reply (threads.custom_action), one
//            (streaming: false) by the updated card (threads.sync_custom_action)
//   tasks    progress updates and a workflow of three tasks, then the answer
//   sources  an answer whose text cites a URL source and an entity source (annotations)
//   tool     the client tool get_page_info, answered by the page (onClientTool); the reply quotes it
//   form     a structured-input form; the reply quotes the answers, or says it was skipped
//   notice   a notice, then a short answer
//   fail     an in-band custom error that allows retry (the retry is answered)
//   whoami   what the backend read from the verified token;   help   this list
// A message with attachments: each file's name, checked type, size and the first 12 hex digits of its
// SHA-256, read back from the attachment store (so a person, and a test, sees the bytes arrived intact).
// Anything else: a short summary of what the user wrote, streamed in several text deltas.
import { CustomStreamError, ChatKitHttpError, addWorkflowTask, clientToolCall, endWorkflow, itemAdded, notice, progress, streamAssistantMessage, streamWidget, structuredInput, updateWorkflowTask, workflowItem } from '../../../src/server/index.js';
import type {
  Action,
  AssistantDelta,
  AttachmentContent,
  ChatKitContext,
  ChatKitUser,
  Store,
  StoreItemType,
  ThreadMetadata,
  ThreadStreamEvent,
  UserMessageItem,
  WidgetItem,
  WidgetRoot,
} from '../../../src/server/index.js';
import { historyOf, textOf } from './text.js';
import type { ChatMessage, Responder } from './types.js';

export interface OfflineResponderOptions {
  /** Where the thread's items are read (history, the page's tool output, the form's answers). */
  store: Store;
  /** Pause between text deltas and between a workflow's steps (0: none). */
  delayMs?: number;
  /** Words per text delta. */
  wordsPerDelta?: number;
  /** An attachment's checked bytes (SignedAttachmentStore.readAttachment); without it attachments are not listed. */
  readAttachment?: (attachmentId: string, context: ChatKitContext) => Promise<AttachmentContent>;
}

/** The client tool the `tool` command calls; the demo page answers it (demo/page/demo.ts). */
export const PAGE_INFO_TOOL = 'get_page_info';
const STREAMED_ACTION = 'demo.stream_reply';
const SYNC_ACTION = 'demo.update_card';
/** Messages that failed once on purpose (`fail`): their retry is answered. Bounded: a demo's memory. */
const FAILED_ONCE_LIMIT = 1_000;

export function createOfflineResponder(options: OfflineResponderOptions): Responder {
  const { store } = options;
  const delayMs = options.delayMs ?? 40;
  const wordsPerDelta = options.wordsPerDelta ?? 3;
  const failedOnce = new Set<string>();

  const ids = (thread: ThreadMetadata, context: ChatKitContext) => ({ generateId: (type: StoreItemType) => store.generateItemId(type, thread, context) });

  /** Streams `text` as an assistant message, a few words a delta, pausing between them. */
  async function* say(thread: ThreadMetadata, text: string, context: ChatKitContext, annotated: (delta: string, offset: number) => AssistantDelta = delta => delta) {
    async function* deltas(): AsyncGenerator<AssistantDelta> {
      let offset = 0;
      for (const delta of splitIntoDeltas(text, wordsPerDelta)) {
        if (delayMs > 0) await sleep(delayMs, context.signal);
        if (context.signal.aborted) return;
        yield annotated(delta, offset);
        offset += delta.length;
      }
    }
    yield* streamAssistantMessage(thread, deltas(), ids(thread, context));
  }

  async function* command(name: string, thread: ThreadMetadata, input: UserMessageItem, context: ChatKitContext): AsyncGenerator<ThreadStreamEvent> {
    switch (name) {
      case 'widget':
        yield* streamWidget(thread, demoCard(0), { ...ids(thread, context), copyText: 'A demo card with two buttons' });
        yield* say(thread, 'Above is a widget. **Stream a reply** is answered by a streamed reply; **Update the card** by the updated card, at once.', context);
        return;
      case 'tasks': {
        yield progress('Planning the work…', 'compass');
        const flow = workflowItem(thread, { type: 'custom' }, ids(thread, context));
        yield itemAdded(flow);
        const titles = ['Read the question', 'Look things up', 'Write the answer'];
        for (const [index, title] of titles.entries()) {
          yield addWorkflowTask(flow, { type: 'custom', title, status_indicator: 'loading' });
          await sleep(delayMs * 3, context.signal);
          yield updateWorkflowTask(flow, index, { type: 'custom', title, status_indicator: 'complete' });
        }
        yield endWorkflow(flow, { summary: { title: `Worked through ${titles.length} tasks` } });
        yield progress('Writing the answer…', 'write');
        yield* say(thread, `Done: the workflow above ran ${titles.length} tasks, each shown as it started and finished.`, context);
        return;
      }
      case 'sources': {
        const text = 'ChatKit draws the sources an answer cites: a web page and an entity (your account).';
        const url = { type: 'url' as const, title: 'ChatKit custom backends', url: 'https://openai.github.io/chatkit-js/' };
        const entity = { type: 'entity' as const, id: context.user.sub, title: 'Your account', label: context.user.name ?? context.user.sub, interactive: false, data: {} };
        const cited = [
          { source: url, index: text.indexOf('web page') + 'web page'.length },
          { source: entity, index: text.length },
        ];
        // each source attached to the delta in which the words citing it end
        yield* say(thread, text, context, (delta, offset) => {
          const annotations = cited.filter(({ index }) => index > offset && index <= offset + delta.length).map(cite => ({ type: 'annotation' as const, ...cite }));
          return annotations.length ? { delta, annotations } : delta;
        });
        return;
      }
      case 'tool':
        yield progress('Asking the page…');
        yield clientToolCall(thread, { name: PAGE_INFO_TOOL, arguments: {} }, ids(thread, context));
        return;
      case 'form':
        yield structuredInput(
          thread,
          [
            { id: 'color', type: 'multiple_choice', question: 'Which colour do you like best?', options: [{ value: 'Red' }, { value: 'Green' }, { value: 'Blue' }], multiple: false },
            { id: 'note', type: 'freeform', question: 'Anything to add?' },
          ],
          ids(thread, context),
        );
        return;
      case 'notice':
        yield notice('info', 'This is a **notice** from the offline responder.', 'Heads up');
        yield* say(thread, 'A notice went out before this answer.', context);
        return;
      case 'fail':
        if (!failedOnce.has(input.id)) {
          if (failedOnce.size >= FAILED_ONCE_LIMIT) failedOnce.clear();
          failedOnce.add(input.id);
          yield progress('Trying…');
          throw new CustomStreamError('The offline responder failed on purpose (you typed "fail"). Retry to get an answer.', { allowRetry: true });
        }
        failedOnce.delete(input.id);
        yield* say(thread, 'Retried: this time the answer came through.', context);
        return;
      default: {
        yield progress('Thinking...', 'sparkle');
        const history = await historyOf(store, thread, context);
        yield* say(thread, offlineReply(history, context.user, Date.now()), context);
      }
    }
  }

  return {
    name: 'offline',
    async *respond(thread, input, context) {
      if (input?.attachments.length && options.readAttachment) {
        const files = await Promise.all(input.attachments.map(attachment => options.readAttachment!(attachment.id, context)));
        yield* say(thread, describeFiles(files), context);
        return;
      }
      if (input) {
        yield* command(commandOf(textOf(input)), thread, input, context);
        return;
      }
      // a client tool's output or a form's answer arrived: it is the thread's newest item
      const newest = (await store.loadThreadItems(thread.id, undefined, 5, 'desc', context)).data.find(
        item => item.type === 'client_tool_call' || item.type === 'structured_input',
      );
      if (newest?.type === 'client_tool_call') {
        const output = (newest.output ?? {}) as { title?: unknown; url?: unknown };
        yield* say(thread, `The page answered ${newest.name}: its title is “${String(output.title ?? '')}” and its URL is ${String(output.url ?? '')}.`, context);
      } else if (newest?.type === 'structured_input') {
        const answers = newest.inputs.map(({ question, answer }) => `${question} ${answer && !answer.skipped ? `“${answer.values.join(', ')}”` : '(skipped)'}`);
        yield* say(thread, newest.status === 'skipped' ? 'You skipped the form.' : `You answered: ${answers.join('; ')}.`, context);
      }
    },
    async *action(thread, action, sender, context) {
      if (action.type !== STREAMED_ACTION) throw new CustomStreamError(`The offline responder does not know the action "${action.type}".`);
      yield* say(thread, `You pressed **Stream a reply** on the card${sender ? '' : ' (no card named)'}: this answer is the server's action hook, streamed (threads.custom_action).`, context);
    },
    async syncAction(thread, action, sender, context) {
      if (action.type !== SYNC_ACTION || !sender) throw new ChatKitHttpError(400, 'unknown_action', `The offline responder does not know the action "${action.type}" here.`);
      const updated: WidgetItem = { ...sender, widget: demoCard(countOf(action) + 1) };
      // the server does not store what a sync action answers; the demo keeps it, so a reload shows it
      await store.saveItem(thread.id, updated, context);
      return { updated_item: updated };
    },
  };
}

/** One line per file: name, checked type, size, the start of its SHA-256. */
export function describeFiles(files: AttachmentContent[]): string {
  const lines = files.map(file => `**${file.name}**: ${file.mimeType}, ${file.data.byteLength} bytes, SHA-256 \`${file.sha256.slice(0, 12)}\``);
  return `You sent ${files.length === 1 ? 'one file' : `${files.length} files`}:\n${lines.join('\n')}`;
}

/** The `widget` command's card; `updates` = how many times "Update the card" was pressed. */
function demoCard(updates: number): WidgetRoot {
  // ActionConfig as the wire carries it (handler, loadingBehavior, streaming); @openai/chatkit's type names type and payload only
  const streamed = { type: STREAMED_ACTION, payload: {}, handler: 'server', loadingBehavior: 'auto', streaming: true };
  const sync = { type: SYNC_ACTION, payload: { updates }, handler: 'server', loadingBehavior: 'auto', streaming: false };
  return {
    type: 'Card',
    id: 'demo-card',
    children: [
      { type: 'Title', value: 'A widget from the offline responder' },
      { type: 'Text', id: 'updates', value: updates === 0 ? 'Not updated yet.' : `Updated ${updates} time${updates === 1 ? '' : 's'} by threads.sync_custom_action.` },
      {
        type: 'Row',
        children: [
          { type: 'Button', label: 'Stream a reply', onClickAction: streamed },
          { type: 'Button', label: 'Update the card', onClickAction: sync },
        ],
      },
    ],
  };
}

function countOf(action: Action): number {
  const updates = (action.payload as { updates?: unknown } | undefined)?.updates;
  return typeof updates === 'number' && Number.isInteger(updates) && updates >= 0 ? updates : 0;
}

/** The command a message names: its words lower-cased, without a leading slash or trailing punctuation. */
function commandOf(text: string): string {
  return text.trim().toLowerCase().replace(/^\/+/, '').replace(/[?!.\s]+$/, '');
}

/** The whole reply to the last message of `history` (whoami, help, or a summary). */
export function offlineReply(history: readonly ChatMessage[], identity: ChatKitUser, nowMs: number): string {
  const text = history.at(-1)?.text.trim() ?? '';
  const command = commandOf(text);
  if (command === 'whoami' || command === 'who am i') return whoami(identity, nowMs);
  if (command === 'help' || command === '') return HELP;
  return summary(text, history, identity);
}

const HELP = [
  'I am the **offline demo responder**: I run inside the demo backend, with no network and no model.',
  '',
  'Send one of these words to see what a ChatKit server can do:',
  '- **widget**: a card with buttons (a streamed action and an instant one)',
  '- **tasks**: progress updates and a workflow of tasks',
  '- **sources**: an answer citing a web page and an entity',
  '- **tool**: a client tool the page answers (its title and URL)',
  '- **form**: a form to answer or skip',
  '- **notice**: a notice, then an answer',
  '- **fail**: an error you can retry',
  '- **whoami**: who the backend thinks you are, read from your verified token',
  '- anything else: I count your words and echo a summary back',
  '',
  'Start the server with `OPENAI_API_KEY` set to chat with an OpenAI model instead.',
].join('\n');

function whoami(identity: ChatKitUser, nowMs: number): string {
  const { claims } = identity;
  const lines = [
    identity.name ? `You are **${identity.name}**, as far as this backend can tell.` : 'Your token carries no name.',
    '',
    'The backend verified your token (EdDSA signature against the JWKS, issuer and audience pinned) and read:',
    `- user id (\`sub\`): \`${identity.sub}\``,
    `- name: ${identity.name ?? '(none)'}`,
  ];
  if (typeof claims.iss === 'string') lines.push(`- issuer: ${claims.iss}`);
  if (typeof claims.iat === 'number') lines.push(`- issued at: ${new Date(claims.iat * 1000).toISOString()}`);
  if (typeof claims.exp === 'number') {
    const left = Math.max(0, Math.round(claims.exp - nowMs / 1000));
    lines.push(`- expires at: ${new Date(claims.exp * 1000).toISOString()} (in ${formatSeconds(left)})`);
  }
  return lines.join('\n');
}

function summary(text: string, history: readonly ChatMessage[], identity: ChatKitUser): string {
  const words = text.split(/\s+/).filter(Boolean);
  const preview = words.length > 12 ? `${words.slice(0, 12).join(' ')}…` : words.join(' ');
  const turn = history.filter(message => message.role === 'user').length;
  const who = identity.name ? ` from **${identity.name}**` : '';
  return [
    `You wrote ${count(words.length, 'word')} (${count([...text].length, 'character')}): “${preview}”.`,
    '',
    `That is message ${turn} of yours in this thread, received${who} with a verified token.`,
    'I am the offline demo responder, so I only echo; type **help** to see what I can do.',
  ].join('\n');
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function formatSeconds(total: number): string {
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return minutes ? `${minutes} min ${seconds} s` : `${seconds} s`;
}

/** Pieces of `text` of a few words each (whitespace kept), which concatenate back to `text`. */
export function splitIntoDeltas(text: string, wordsPerDelta: number): string[] {
  const words = text.match(/\s*\S+\s*/g) ?? [];
  const deltas: string[] = [];
  for (let i = 0; i < words.length; i += wordsPerDelta) deltas.push(words.slice(i, i + wordsPerDelta).join(''));
  return deltas;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise(resolve => {
    if (signal.aborted || ms <= 0) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
