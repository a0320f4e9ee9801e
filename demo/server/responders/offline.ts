// The default responder: no network, no model, deterministic. It streams its answer in several text
// deltas after a progress note, and knows a few requests: "whoami" (what the backend read from the
// verified token), "help", and otherwise a short summary of what the user wrote.
import type { ChatMessage, Responder, ResponderChunk } from './types.js';
import type { Identity } from '../../../src/server/index.js';

export interface OfflineResponderOptions {
  /** Pause between text deltas (0: none). */
  delayMs?: number;
  /** Words per text delta. */
  wordsPerDelta?: number;
}

export function createOfflineResponder(options: OfflineResponderOptions = {}): Responder {
  const delayMs = options.delayMs ?? 40;
  const wordsPerDelta = options.wordsPerDelta ?? 3;
  return {
    name: 'offline',
    async *respond({ history, identity, signal }): AsyncGenerator<ResponderChunk> {
      yield { progress: 'Thinking...', icon: 'sparkle' };
      const reply = offlineReply(history, identity, Date.now());
      for (const delta of splitIntoDeltas(reply, wordsPerDelta)) {
        if (delayMs > 0) await sleep(delayMs, signal);
        if (signal.aborted) return;
        yield delta;
      }
    },
  };
}

/** The whole reply to the last message of `history`. */
export function offlineReply(history: readonly ChatMessage[], identity: Identity, nowMs: number): string {
  const text = history.at(-1)?.text.trim() ?? '';
  const command = text.toLowerCase().replace(/^\/+/, '').replace(/[?!.\s]+$/, '');
  if (command === 'whoami' || command === 'who am i') return whoami(identity, nowMs);
  if (command === 'help' || command === '') return HELP;
  return summary(text, history, identity);
}

const HELP = [
  'I am the **offline demo responder**: I run inside the demo backend, with no network and no model.',
  '',
  'Try:',
  '- **whoami**: who the backend thinks you are, read from your verified token',
  '- **help**: this message',
  '- anything else: I count your words and echo a summary back',
  '',
  'Start the server with `OPENAI_API_KEY` set to chat with an OpenAI model instead.',
].join('\n');

function whoami(identity: Identity, nowMs: number): string {
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

function summary(text: string, history: readonly ChatMessage[], identity: Identity): string {
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
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
