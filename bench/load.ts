// Benchmark 5: many users chatting at once.
//   node --import tsx bench/load.ts      (BENCH_LOAD_USERS, BENCH_LOAD_DURATION seconds; BENCH_QUICK=1)
// The demo backend as configured by default (offline responder streaming a delta every 40 ms,
// verified-token cache on) in its own process (bench/serve.ts). 200 accounts are signed up and given
// a token first (not timed). Then each simulated user, in this process, chats for the duration:
// `threads.create`, then `threads.add_user_message` in that thread (a new thread after 5 messages),
// reading every event stream to its end, with a think time of 0.2-1 s between messages. A user
// busy when the time is up finishes that reply. Afterwards every thread is read back
// (items.list): every user message sent must be there, followed by the assistant's reply.
// Budgets: zero errors, zero lost messages. Reported: time to the first streamed event (p50/p99),
// streams per second, and the backend's memory before and after (after a full GC), with its peak RSS.
import type { StreamEvent, ThreadItem } from '../demo/server/chatkit-types.js';
import type { MemoryFigures } from './serve.js';
import { allItems, getToken, signUp, stream, userInput } from './lib/client.js';
import { mib, num, percentile, pool, seededRandom, setting, sleep, standalone, table, verdictLine } from './lib/common.js';
import type { BenchResult } from './lib/common.js';
import { startBenchServer } from './lib/server.js';

const users = setting('BENCH_LOAD_USERS', 200, 20);
const durationSec = setting('BENCH_LOAD_DURATION', 30, 5);
const messagesPerThread = 5;
const thinkMs: [number, number] = [200, 1000];
const rampMs = 2_000;

interface UserState {
  token: string;
  /** thread id -> ids of the user messages sent to it (from the stream's thread.item.done). */
  threads: Map<string, string[]>;
}

interface Sample {
  kind: 'threads.create' | 'threads.add_user_message';
  firstEventMs: number;
  totalMs: number;
  events: number;
}

const userMessageId = (events: StreamEvent[]) => {
  const done = events.find(event => event.type === 'thread.item.done' && event.item.type === 'user_message');
  return done?.type === 'thread.item.done' ? done.item.id : undefined;
};
const replied = (events: StreamEvent[]) => events.some(event => event.type === 'thread.item.done' && event.item.type === 'assistant_message');

export async function run(): Promise<BenchResult> {
  const server = await startBenchServer({ mode: 'app' });
  const random = seededRandom(2026);
  const samples: Sample[] = [];
  const errors: string[] = [];
  let state: UserState[];
  let before: MemoryFigures;
  let after: MemoryFigures;
  let peakRss = 0;
  let stats: Awaited<ReturnType<typeof server.stats>>['stats'];
  let loadSeconds: number;
  let signUpSeconds: number;
  let lost = 0;
  let unanswered = 0;
  let persistedUserMessages = 0;
  let sentUserMessages = 0;
  try {
    // accounts and tokens: not timed as part of the load (Better Auth hashes each password)
    const signUpStarted = performance.now();
    state = await pool(Array.from({ length: users }, (_, i) => i), 4, async i => {
      const account = await signUp(server.url, `Load User ${i + 1}`);
      return { token: await getToken(server.url, account), threads: new Map<string, string[]>() };
    });
    signUpSeconds = (performance.now() - signUpStarted) / 1000;
    before = (await server.stats({ gc: true })).memory;

    // peak RSS while loaded (no GC forced: that would disturb the run)
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peakRss = Math.max(peakRss, (await server.stats()).memory.rss);
        await sleep(1_000);
      }
    })();

    const started = performance.now();
    const end = started + durationSec * 1000;
    const chat = async (user: UserState, index: number) => {
      await sleep(random() * rampMs);
      let current: string | undefined;
      let turn = 0;
      while (performance.now() < end) {
        turn++;
        const text = `Message ${turn} from user ${index + 1}: how fresh is my token?`;
        const creating = current === undefined || user.threads.get(current)!.length >= messagesPerThread;
        const body = creating
          ? { type: 'threads.create', params: { input: userInput(text) } }
          : { type: 'threads.add_user_message', params: { thread_id: current, input: userInput(text) } };
        try {
          const result = await stream(server.url, user.token, body);
          if (result.problem) {
            errors.push(`user ${index + 1}: ${body.type}: ${result.problem}`);
          } else {
            if (creating) {
              const created = result.events[0];
              if (created?.type !== 'thread.created') throw new Error(`first event ${created?.type}`);
              current = created.thread.id;
              user.threads.set(current, []);
            }
            const id = userMessageId(result.events);
            if (id) user.threads.get(current!)!.push(id);
            else errors.push(`user ${index + 1}: ${body.type}: no user message in the stream`);
            const failed = result.events.find(event => event.type === 'error');
            if (failed) errors.push(`user ${index + 1}: ${body.type}: error event ${JSON.stringify(failed)}`);
            else if (!replied(result.events)) errors.push(`user ${index + 1}: ${body.type}: the stream ended without a reply`);
            samples.push({ kind: body.type as Sample['kind'], firstEventMs: result.firstEventMs, totalMs: result.totalMs, events: result.events.length });
          }
        } catch (error) {
          errors.push(`user ${index + 1}: ${body.type}: ${String(error instanceof Error ? error.message : error)}`);
        }
        await sleep(thinkMs[0] + random() * (thinkMs[1] - thinkMs[0]));
      }
    };
    await Promise.all(state.map(chat));
    loadSeconds = (performance.now() - started) / 1000;
    sampling = false;
    await sampler;

    after = (await server.stats({ gc: true })).memory;
    stats = (await server.stats()).stats;

    // Every user message sent is persisted, with the assistant's reply right after it.
    await pool(state, 8, async user => {
      for (const [threadId, sent] of user.threads) {
        const items: ThreadItem[] = await allItems(server.url, user.token, threadId);
        sentUserMessages += sent.length;
        persistedUserMessages += items.filter(item => item.type === 'user_message').length;
        for (const id of sent) {
          const at = items.findIndex(item => item.id === id);
          if (at < 0) lost++;
          else if (items[at + 1]?.type !== 'assistant_message' || !items[at + 1]!.content.some(part => part.text.length > 0)) unanswered++;
        }
      }
    });
  } finally {
    await server.stop();
  }

  const ttfe = samples.map(s => s.firstEventMs);
  const total = samples.map(s => s.totalMs);
  const threads = state.reduce((sum, user) => sum + user.threads.size, 0);
  const non200 = Object.entries(stats.chatResponsesByStatus).filter(([status]) => status !== '200');
  const pass = errors.length === 0 && lost === 0 && unanswered === 0 && non200.length === 0 && stats.chatStreamsCancelled === 0;
  const row = (label: string, values: number[]) => [label, num(percentile(values, 50), 1), num(percentile(values, 90), 1), num(percentile(values, 99), 1), num(Math.max(...values), 1)];

  const body = [
    `${users} users, each with its own account and token (signed up beforehand in ${num(signUpSeconds, 1)} s, not timed), chatting for ${durationSec} s ` +
      `(ramp-up over ${rampMs / 1000} s, think time ${thinkMs[0]}-${thinkMs[1]} ms, a new thread every ${messagesPerThread} messages); ` +
      'the demo backend in its own process with its default settings (offline responder, a text delta every 40 ms; verified-token cache on); ' +
      'the users in the benchmark\'s process (Node fetch), every event stream read to its end.',
    '',
    table(['', 'value'], [
      ['chat streams completed', num(samples.length)],
      ['requests per second (chat streams, over the whole run)', num(samples.length / loadSeconds, 1)],
      ['threads created', num(threads)],
      ['user messages sent / persisted', `${num(sentUserMessages)} / ${num(persistedUserMessages)}`],
      ['lost (sent, not persisted)', num(lost)],
      ['persisted without the assistant\'s reply right after', num(unanswered)],
      ['errors (status, framing, error events, exceptions)', num(errors.length)],
      ['server: chat answers by status', Object.entries(stats.chatResponsesByStatus).map(([status, count]) => `${status}: ${num(count)}`).join(', ')],
      ['server: full token verifications / cache hits', `${num(stats.tokenVerifications)} / ${num(stats.tokenCacheHits)}`],
      ['server: streams cancelled', num(stats.chatStreamsCancelled)],
    ]),
    '',
    table(['ms', 'p50', 'p90', 'p99', 'max'], [
      row('**time to the first streamed event**', ttfe),
      row('time to the first event, `threads.create`', samples.filter(s => s.kind === 'threads.create').map(s => s.firstEventMs)),
      row('time to the first event, `threads.add_user_message`', samples.filter(s => s.kind === 'threads.add_user_message').map(s => s.firstEventMs)),
      row('whole stream (to the reply\'s last event)', total),
    ]),
    '',
    table(['backend memory', 'before', 'after', 'change'], [
      ['RSS (after a full GC)', mib(before.rss), mib(after.rss), mib(after.rss - before.rss)],
      ['heap used (after a full GC)', mib(before.heapUsed), mib(after.heapUsed), mib(after.heapUsed - before.heapUsed)],
      ['heap total', mib(before.heapTotal), mib(after.heapTotal), mib(after.heapTotal - before.heapTotal)],
      ['external (buffers)', mib(before.external), mib(after.external), mib(after.external - before.external)],
      ['peak RSS during the load (sampled each second)', '', mib(peakRss), ''],
    ]),
    ...(errors.length ? ['', 'First errors:', '', ...errors.slice(0, 5).map(line => `- ${line}`)] : []),
    '',
    `Both processes share the machine's cores; the users' side (${users} concurrent users through Node fetch) costs CPU too.`,
  ].join('\n');

  return {
    name: 'load',
    title: '5. Load',
    body,
    pass,
    verdict: verdictLine(
      pass,
      `${num(errors.length)} errors, ${lost} lost and ${unanswered} unanswered of ${num(sentUserMessages)} messages (budget 0); ` +
        `first event p50 ${num(percentile(ttfe, 50), 1)} ms, p99 ${num(percentile(ttfe, 99), 1)} ms; ${num(samples.length / loadSeconds, 1)} streams/s; ` +
        `heap ${mib(before.heapUsed)} → ${mib(after.heapUsed)}, RSS ${mib(before.rss)} → ${mib(after.rss)}`,
    ),
  };
}

standalone(import.meta.url, run);
