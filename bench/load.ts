// Benchmark 5: many users chatting at once, on each of the backend's databases.
//   node --import tsx bench/load.ts      (BENCH_LOAD_USERS, BENCH_LOAD_DURATION seconds; BENCH_QUICK=1)
// The demo backend as configured by default (offline responder streaming a delta every 40 ms,
// verified-token cache on) in processes of its own (bench/serve.ts), three ways: one instance on
// SQLite, one on PostgreSQL, two on one PostgreSQL database (a throwaway cluster started here with
// durable settings, scripts/postgres-cluster.mjs). Each time, 200 accounts are signed up and given a
// token first (not timed). Then each simulated user, in this process, chats for the duration:
// `threads.create`, then `threads.add_user_message` in that thread (a new thread after 5 messages),
// reading every event stream to its end, with a think time of 0.2-1 s between messages; with two
// instances each request goes to the other one than the last (a load balancer with no affinity), so a
// thread started on one continues on the other. A user busy when the time is up finishes that reply.
// Afterwards every thread is read back (items.list): every user message sent must be there, followed
// by the assistant's reply. Budgets: zero errors, zero lost messages, in each variant. Reported: time
// to the first streamed event (p50/p99), streams per second, and the backends' memory and CPU.
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import pg from 'pg';
import type { ThreadStreamEvent as StreamEvent, ThreadItem } from '../src/server/index.js';
import { startCluster } from '../scripts/postgres-cluster.mjs';
import type { Cluster } from '../scripts/postgres-cluster.mjs';
import type { MemoryFigures } from './serve.js';
import { allItems, getToken, signUp, stream, userInput } from './lib/client.js';
import { mib, num, percentile, pool, seededRandom, setting, sleep, standalone, table, verdictLine } from './lib/common.js';
import type { BenchResult } from './lib/common.js';
import { startBenchServer } from './lib/server.js';
import type { BenchServer } from './lib/server.js';

const users = setting('BENCH_LOAD_USERS', 200, 20);
const durationSec = setting('BENCH_LOAD_DURATION', 30, 5);
const messagesPerThread = 5;
const thinkMs: [number, number] = [200, 1000];
const rampMs = 2_000;
/** Issuer, audience and trusted origin of every instance (what the users' load balancer would be). */
const PUBLIC_URL = 'http://chat.bench';

interface Variant {
  label: string;
  database: 'sqlite' | 'postgres';
  instances: number;
}

const variants: Variant[] = [
  { label: 'SQLite, one instance', database: 'sqlite', instances: 1 },
  { label: 'PostgreSQL, one instance', database: 'postgres', instances: 1 },
  { label: 'PostgreSQL, two instances', database: 'postgres', instances: 2 },
];

interface UserState {
  token: string;
  /** thread id -> ids of the user messages sent to it (from the stream's thread.item.done). */
  threads: Map<string, string[]>;
}

interface Sample {
  kind: 'threads.create' | 'threads.add_user_message';
  firstEventMs: number;
  totalMs: number;
}

interface Outcome {
  variant: Variant;
  samples: Sample[];
  errors: string[];
  loadSeconds: number;
  signUpSeconds: number;
  threads: number;
  sent: number;
  persisted: number;
  lost: number;
  unanswered: number;
  chatByStatus: Record<string, number>;
  verifications: number;
  cacheHits: number;
  cancelled: number;
  /** Per instance: memory after a full GC before and after the load, peak RSS while loaded, CPU seconds of the load. */
  instances: { before: MemoryFigures; after: MemoryFigures; peakRss: number; cpuSeconds: number }[];
}

const userMessageId = (events: StreamEvent[]) => {
  const done = events.find(event => event.type === 'thread.item.done' && event.item.type === 'user_message');
  return done?.type === 'thread.item.done' ? done.item.id : undefined;
};
const replied = (events: StreamEvent[]) => events.some(event => event.type === 'thread.item.done' && event.item.type === 'assistant_message');

async function createDatabase(cluster: Cluster, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: cluster.url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(cluster.url);
  url.pathname = `/${name}`;
  return url.href;
}

/** One variant: its servers (started at once), its users' load, and the read-back. */
async function runVariant(variant: Variant, env: Record<string, string>): Promise<Outcome> {
  // RATE_LIMIT off: the 200 sign-ups come from one address within seconds
  const servers: BenchServer[] = await Promise.all(
    Array.from({ length: variant.instances }, () => startBenchServer({ mode: 'app', env: { PUBLIC_URL, RATE_LIMIT: 'off', ...env } })),
  );
  const urlFor = (user: number, turn: number) => servers[(user + turn) % servers.length]!.url;
  const random = seededRandom(2026);
  const samples: Sample[] = [];
  const errors: string[] = [];
  try {
    // accounts and tokens: not timed as part of the load (Better Auth hashes each password)
    const signUpStarted = performance.now();
    const state: UserState[] = await pool(Array.from({ length: users }, (_, i) => i), 4, async i => {
      const url = urlFor(i, 0);
      const account = await signUp(url, `Load User ${i + 1}`, PUBLIC_URL);
      return { token: await getToken(url, account), threads: new Map<string, string[]>() };
    });
    const signUpSeconds = (performance.now() - signUpStarted) / 1000;
    const before = await Promise.all(servers.map(server => server.stats({ gc: true })));

    // peak RSS while loaded (no GC forced: that would disturb the run)
    const peakRss = servers.map(() => 0);
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const now = await Promise.all(servers.map(server => server.stats()));
        now.forEach((figures, i) => (peakRss[i] = Math.max(peakRss[i]!, figures.memory.rss)));
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
          const result = await stream(urlFor(index, turn), user.token, body);
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
            samples.push({ kind: body.type as Sample['kind'], firstEventMs: result.firstEventMs, totalMs: result.totalMs });
          }
        } catch (error) {
          errors.push(`user ${index + 1}: ${body.type}: ${String(error instanceof Error ? error.message : error)}`);
        }
        await sleep(thinkMs[0] + random() * (thinkMs[1] - thinkMs[0]));
      }
    };
    await Promise.all(state.map(chat));
    const loadSeconds = (performance.now() - started) / 1000;
    sampling = false;
    await sampler;

    const after = await Promise.all(servers.map(server => server.stats({ gc: true })));

    // Every user message sent is persisted, with the assistant's reply right after it (read back
    // through the first instance: with two, half of every thread was written by the other).
    let sent = 0;
    let persisted = 0;
    let lost = 0;
    let unanswered = 0;
    await pool(state, 8, async user => {
      for (const [threadId, ids] of user.threads) {
        const items: ThreadItem[] = await allItems(servers[0]!.url, user.token, threadId);
        sent += ids.length;
        persisted += items.filter(item => item.type === 'user_message').length;
        for (const id of ids) {
          const at = items.findIndex(item => item.id === id);
          if (at < 0) lost++;
          else {
            const next = items[at + 1];
            if (next?.type !== 'assistant_message' || !next.content.some(part => part.text.length > 0)) unanswered++;
          }
        }
      }
    });

    const chatByStatus: Record<string, number> = {};
    for (const { stats } of after) for (const [status, count] of Object.entries(stats.chatResponsesByStatus)) chatByStatus[status] = (chatByStatus[status] ?? 0) + count;
    const sum = (pick: (figures: (typeof after)[number]) => number) => after.reduce((total, figures) => total + pick(figures), 0);
    return {
      variant,
      samples,
      errors,
      loadSeconds,
      signUpSeconds,
      threads: state.reduce((total, user) => total + user.threads.size, 0),
      sent,
      persisted,
      lost,
      unanswered,
      chatByStatus,
      verifications: sum(figures => figures.stats.tokenVerifications),
      cacheHits: sum(figures => figures.stats.tokenCacheHits),
      cancelled: sum(figures => figures.stats.chatStreamsCancelled),
      instances: servers.map((_, i) => ({
        before: before[i]!.memory,
        after: after[i]!.memory,
        peakRss: peakRss[i]!,
        cpuSeconds: (after[i]!.cpu.user + after[i]!.cpu.system - before[i]!.cpu.user - before[i]!.cpu.system) / 1e6,
      })),
    };
  } finally {
    await Promise.all(servers.map(server => server.stop()));
  }
}

const passed = (outcome: Outcome) =>
  outcome.errors.length === 0 &&
  outcome.lost === 0 &&
  outcome.unanswered === 0 &&
  outcome.cancelled === 0 &&
  Object.keys(outcome.chatByStatus).every(status => status === '200');

export async function run(): Promise<BenchResult> {
  let cluster: Cluster | undefined;
  const outcomes: Outcome[] = [];
  try {
    for (const [index, variant] of variants.entries()) {
      let env: Record<string, string> = {};
      if (variant.database === 'postgres') {
        cluster ??= await startCluster({ durable: true });
        env = { DATABASE_URL: await createDatabase(cluster, `load_${index}`), BETTER_AUTH_SECRET: randomBytes(32).toString('hex') };
      }
      console.log(`  ${variant.label} ...`);
      outcomes.push(await runVariant(variant, env));
    }
  } finally {
    cluster?.remove();
  }

  const pass = outcomes.every(passed);
  const ms = (values: number[], p: number) => num(percentile(values, p), 1);
  const firstEvents = (outcome: Outcome, kind?: Sample['kind']) => outcome.samples.filter(s => !kind || s.kind === kind).map(s => s.firstEventMs);
  const each = (format: (outcome: Outcome) => string) => outcomes.map(format);
  const perInstance = (outcome: Outcome, format: (instance: Outcome['instances'][number]) => string) => outcome.instances.map(format).join(' / ');

  const body = [
    `${users} users, each with its own account and token (signed up beforehand, not timed), chatting for ${durationSec} s ` +
      `(ramp-up over ${rampMs / 1000} s, think time ${thinkMs[0]}-${thinkMs[1]} ms, a new thread every ${messagesPerThread} messages); ` +
      'the demo backend in processes of its own with its default settings (offline responder, a text delta every 40 ms; verified-token cache on) but `RATE_LIMIT=off` (the sign-ups come from one address in seconds), ' +
      'the users in the benchmark\'s process (Node fetch), every event stream read to its end. ' +
      'PostgreSQL: a cluster started for the benchmark on this machine with its durable defaults (fsync and synchronous commits on), a database per variant; SQLite in WAL mode as the backend opens it. ' +
      'With two instances, each user\'s requests alternate between them (no affinity: a thread started on one continues on the other); threads are read back through the first.',
    '',
    table(['', ...outcomes.map(outcome => outcome.variant.label)], [
      ['accounts signed up and given a token (s, not timed)', ...each(o => num(o.signUpSeconds, 1))],
      ['chat streams completed', ...each(o => num(o.samples.length))],
      ['requests per second (chat streams, over the whole run)', ...each(o => num(o.samples.length / o.loadSeconds, 1))],
      ['threads created', ...each(o => num(o.threads))],
      ['user messages sent / persisted', ...each(o => `${num(o.sent)} / ${num(o.persisted)}`)],
      ['lost (sent, not persisted)', ...each(o => num(o.lost))],
      ['persisted without the assistant\'s reply right after', ...each(o => num(o.unanswered))],
      ['errors (status, framing, error events, exceptions)', ...each(o => num(o.errors.length))],
      ['servers: chat answers by status', ...each(o => Object.entries(o.chatByStatus).map(([status, count]) => `${status}: ${num(count)}`).join(', '))],
      ['servers: full token verifications / cache hits', ...each(o => `${num(o.verifications)} / ${num(o.cacheHits)}`)],
      ['servers: streams cancelled', ...each(o => num(o.cancelled))],
      ['**time to the first streamed event, p50 / p99 (ms)**', ...each(o => `${ms(firstEvents(o), 50)} / **${ms(firstEvents(o), 99)}**`)],
      ['time to the first event, p90 / max (ms)', ...each(o => `${ms(firstEvents(o), 90)} / ${num(Math.max(...firstEvents(o)), 1)}`)],
      ['time to the first event, `threads.create`, p50 / p99 (ms)', ...each(o => `${ms(firstEvents(o, 'threads.create'), 50)} / ${ms(firstEvents(o, 'threads.create'), 99)}`)],
      ['time to the first event, `threads.add_user_message`, p50 / p99 (ms)', ...each(o => `${ms(firstEvents(o, 'threads.add_user_message'), 50)} / ${ms(firstEvents(o, 'threads.add_user_message'), 99)}`)],
      ['whole stream (to the reply\'s last event), p50 / p99 (ms)', ...each(o => `${ms(o.samples.map(s => s.totalMs), 50)} / ${ms(o.samples.map(s => s.totalMs), 99)}`)],
      ['backend CPU during the load (s, each instance)', ...each(o => perInstance(o, i => num(i.cpuSeconds, 1)))],
      ['backend RSS after a full GC, before → after (each instance)', ...each(o => perInstance(o, i => `${mib(i.before.rss)} → ${mib(i.after.rss)}`))],
      ['backend heap used after a full GC, before → after (each instance)', ...each(o => perInstance(o, i => `${mib(i.before.heapUsed)} → ${mib(i.after.heapUsed)}`))],
      ['backend peak RSS during the load (sampled each second, each instance)', ...each(o => perInstance(o, i => mib(i.peakRss)))],
    ], ['l', ...outcomes.map(() => 'r' as const)]),
    ...outcomes.flatMap(o => (o.errors.length ? ['', `First errors (${o.variant.label}):`, '', ...o.errors.slice(0, 5).map(line => `- ${line}`)] : [])),
    '',
    `Every process shares the machine's ${cpus().length} cores: the users' side (${users} concurrent users through Node fetch), the backend instances and, for the PostgreSQL variants, PostgreSQL's own processes (whose CPU time is not in the backend figures). A comparison of the three set-ups on one small machine, not a capacity claim for any of them.`,
  ].join('\n');

  const summary = outcomes.map(o => `${o.variant.label} ${ms(firstEvents(o), 99)} ms`).join(', ');
  const totals = outcomes.reduce((acc, o) => ({ errors: acc.errors + o.errors.length, lost: acc.lost + o.lost, unanswered: acc.unanswered + o.unanswered, sent: acc.sent + o.sent }), { errors: 0, lost: 0, unanswered: 0, sent: 0 });
  return {
    name: 'load',
    title: '5. Load',
    body,
    pass,
    verdict: verdictLine(
      pass,
      `${num(totals.errors)} errors, ${totals.lost} lost and ${totals.unanswered} unanswered of ${num(totals.sent)} messages over the three set-ups (budget 0 in each); ` +
        `first event p99: ${summary}; streams/s ${outcomes.map(o => num(o.samples.length / o.loadSeconds, 1)).join(' / ')}`,
    ),
  };
}

standalone(import.meta.url, run);
