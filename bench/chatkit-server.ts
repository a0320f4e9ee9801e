// Benchmark 7: the package's ChatKit server against the published peer and a floor, side by side.
//   node --import tsx bench/chatkit-server.ts      (BENCH_QUICK=1 for a short check)
// Three servers, each in a process of its own (bench/chatkit-serve.ts), each on the package's
// MemoryStore with the same fixed reply of 20 text deltas: (ours) createChatKitServer's node adapter,
// token verified, from the built package (dist/lib/server: made here when missing, or with --build); (peer) chatkit-node-backend-sdk 1.1.2, installed apart in bench/peer (`npm ci
// --prefix bench/peer`, done here when missing: it brings an old @openai/agents and openai 5, which the
// project's root must not); (floor) a bare handler writing the same SSE bytes. Measured from outside:
//   - `threads.create` streams per second: autocannon, 50 connections, in short rounds with the order
//     rotated (the ratios taken within each round: the machine's drift falls on all three alike), and
//     each server's CPU time a stream (steadier still on a shared machine)
//   - time to the first event, p50/p99: this process's own client, 50 streams at a time
//   - memory per open stream: 1,000 streams held open after `stream_options` (the reply waits on a
//     gate), the server's heap after a full GC, against before and after they were released
// Budget: ours >= 0.9 x the floor's streams/s, and ahead of the peer.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { autocannon } from './lib/autocannon.js';
import { buildLibraries } from '../scripts/build.mjs';
import { forceBuild, root } from './lib/build.js';
import { canPin, median, num, percentile, pinned, setting, sleep, standalone, table, verdictLine } from './lib/common.js';
import type { BenchResult } from './lib/common.js';
import type { ChatKitMode, ChatKitServeCommand, ChatKitServeMessage } from './chatkit-serve.js';

const durationSec = setting('BENCH_CHATKIT_DURATION', 4, 2);
const warmupSec = setting('BENCH_CHATKIT_WARMUP', 3, 1);
const rounds = setting('BENCH_CHATKIT_ROUNDS', 6, 1);
const connections = setting('BENCH_CHATKIT_CONNECTIONS', 50, 50);
const latencyStreams = setting('BENCH_CHATKIT_LATENCY_STREAMS', 3_000, 300);
const heldStreams = setting('BENCH_CHATKIT_HELD', 1_000, 200);
const SERVER_CPU = 1;
const LOAD_CPU = 0;

const modes: ChatKitMode[] = ['ours', 'peer', 'floor'];
const labels: Record<ChatKitMode, string> = {
  ours: 'auth-chatkit `createChatKitServer` (node adapter, token verified)',
  peer: '`chatkit-node-backend-sdk` 1.1.2 (the published peer)',
  floor: 'floor: a bare handler writing the same SSE bytes',
};
const BODY = JSON.stringify({ type: 'threads.create', params: { input: { content: [{ type: 'input_text', text: 'Hello bench' }], attachments: [], inference_options: {} } } });

interface Child {
  mode: ChatKitMode;
  url: string;
  token: string;
  ask<T extends ChatKitServeMessage['type']>(command: ChatKitServeCommand, answer?: T): Promise<Extract<ChatKitServeMessage, { type: T }>>;
  stop(): Promise<void>;
}

async function startChild(mode: ChatKitMode): Promise<Child> {
  const [command, args] = pinned(SERVER_CPU, process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/chatkit-serve.ts']);
  // stdout to /dev/null: the peer console.logs every threads.create's params
  const child: ChildProcess = spawn(command, args, { cwd: root, env: { ...process.env, BENCH_CHATKIT: JSON.stringify({ mode }) }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const next = <T extends ChatKitServeMessage['type']>(type: T) =>
    new Promise<Extract<ChatKitServeMessage, { type: T }>>((resolve, reject) => {
      const onMessage = (message: ChatKitServeMessage) => {
        if (message.type === 'failed') reject(new Error(`${mode} server failed: ${message.message}`));
        else if (message.type === type) resolve(message as Extract<ChatKitServeMessage, { type: T }>);
        else return;
        child.off('message', onMessage);
      };
      child.on('message', onMessage);
      child.once('exit', code => reject(new Error(`${mode} server exited (${code})`)));
    });
  const ready = await next('ready');
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
  return {
    mode,
    url: ready.url,
    token: ready.token,
    ask(command, answer) {
      const reply = answer ? next(answer) : Promise.resolve(undefined as never);
      child.send(command);
      return reply;
    },
    async stop() {
      if (child.exitCode === null) child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

interface StreamResult {
  status: number;
  firstEventMs: number;
  totalMs: number;
  events: number;
  bytes: number;
  lastEvent: string;
}

/** One threads.create stream; `onFirst` when its first event arrived. */
function openStream(child: Child, agent: http.Agent, onFirst?: () => void): Promise<StreamResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${child.url}/chatkit`,
      { method: 'POST', agent, headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${child.token}` } },
      response => {
        let firstEventMs = Number.NaN;
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (Number.isNaN(firstEventMs) && (text + chunk).includes('\n\n')) {
            firstEventMs = performance.now() - started;
            onFirst?.();
          }
          text += chunk;
        });
        response.on('end', () => {
          const events = text.split('\n\n').filter(block => block.startsWith('data: '));
          resolve({ status: response.statusCode ?? 0, firstEventMs, totalMs: performance.now() - started, events: events.length, bytes: Buffer.byteLength(text), lastEvent: events.at(-1)?.slice(6, 80) ?? '' });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(BODY);
  });
}

/** `count` streams, `parallel` at a time, on keep-alive connections. */
async function streams(child: Child, count: number, parallel: number): Promise<StreamResult[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: parallel });
  const results: StreamResult[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        next++;
        results.push(await openStream(child, agent));
      }
    }),
  );
  agent.destroy();
  return results;
}

interface MemoryOutcome {
  before: number;
  held: number;
  after: number;
  rssHeld: number;
  completed: number;
}

/** Heap with `heldStreams` streams held open after stream_options, against before and after their release. */
async function memoryPerStream(child: Child): Promise<MemoryOutcome> {
  const before = (await child.ask({ type: 'memory' }, 'memory')).heapUsed;
  await child.ask({ type: 'hold' });
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  let firsts = 0;
  const running = Array.from({ length: heldStreams }, () => openStream(child, agent, () => firsts++));
  for (let waited = 0; ; waited += 100) {
    const { count } = await child.ask({ type: 'held' }, 'held');
    if (count >= heldStreams && firsts >= heldStreams) break;
    if (waited > 60_000) throw new Error(`${child.mode}: only ${count} streams held after 60 s`);
    await sleep(100);
  }
  await sleep(200);
  const heldMemory = await child.ask({ type: 'memory' }, 'memory');
  await child.ask({ type: 'release' });
  const results = await Promise.all(running);
  agent.destroy();
  await sleep(200);
  const after = (await child.ask({ type: 'memory' }, 'memory')).heapUsed;
  const completed = results.filter(result => result.status === 200 && result.lastEvent.includes('"thread.item.done"')).length;
  return { before, held: heldMemory.heapUsed, after, rssHeld: heldMemory.rss, completed };
}

function ensurePeerInstalled(): string {
  if (existsSync(`${root}bench/peer/node_modules/chatkit-node-backend-sdk/package.json`)) return 'installed before';
  console.log('installing the peer (npm ci --prefix bench/peer)...');
  const result = spawnSync('npm', ['ci', '--prefix', 'bench/peer', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('npm ci --prefix bench/peer failed');
  return 'installed by this run';
}

/** The package as published (dist/lib/server, tsc's output): what `ours` runs. */
function ensureServerBuilt(): void {
  if (!forceBuild && existsSync(`${root}dist/lib/server/index.js`)) return;
  console.log('building the package (tsc)...');
  buildLibraries();
}

export async function run(): Promise<BenchResult> {
  ensureServerBuilt();
  const peerInstall = ensurePeerInstalled();
  const children: Child[] = [];
  try {
    for (const mode of modes) children.push(await startChild(mode));
    const byMode = (mode: ChatKitMode) => children.find(child => child.mode === mode)!;

    // what one stream carries, each
    const shape = new Map<ChatKitMode, StreamResult>();
    for (const child of children) shape.set(child.mode, (await streams(child, 1, 1))[0]!);

    for (const child of children) {
      await autocannon({ url: `${child.url}/chatkit`, connections, durationSec: warmupSec, method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${child.token}` }, body: BODY, cpu: LOAD_CPU });
    }
    const throughput = new Map<ChatKitMode, number[]>(modes.map(mode => [mode, []]));
    const failures = new Map<ChatKitMode, number>(modes.map(mode => [mode, 0]));
    // server CPU a stream: steadier than streams/s on a machine others share (it counts only the server's work)
    const cpuPerStream = new Map<ChatKitMode, number[]>(modes.map(mode => [mode, []]));
    const ratios: { floor: number[]; peer: number[] } = { floor: [], peer: [] };
    for (let round = 0; round < rounds; round++) {
      const order = modes.map((_, i) => modes[(i + round) % modes.length]!);
      const got = new Map<ChatKitMode, number>();
      for (const mode of order) {
        const child = byMode(mode);
        const cpuBefore = await child.ask({ type: 'cpu' }, 'cpu');
        const report = await autocannon({ url: `${child.url}/chatkit`, connections, durationSec, method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${child.token}` }, body: BODY, cpu: LOAD_CPU });
        const cpuAfter = await child.ask({ type: 'cpu' }, 'cpu');
        cpuPerStream.get(mode)!.push((cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system) / report.requests);
        got.set(mode, report.requestsPerSec);
        throughput.get(mode)!.push(report.requestsPerSec);
        failures.set(mode, failures.get(mode)! + report.non2xx + report.errors + report.timeouts);
      }
      ratios.floor.push(got.get('ours')! / got.get('floor')!);
      ratios.peer.push(got.get('ours')! / got.get('peer')!);
    }

    const latency = new Map<ChatKitMode, StreamResult[]>();
    for (const child of children) latency.set(child.mode, await streams(child, latencyStreams, connections));

    const memory = new Map<ChatKitMode, MemoryOutcome>();
    for (const child of children) memory.set(child.mode, await memoryPerStream(child));

    const perStream = (mode: ChatKitMode) => (memory.get(mode)!.held - memory.get(mode)!.before) / heldStreams;
    const perOpen = (mode: ChatKitMode) => (memory.get(mode)!.held - memory.get(mode)!.after) / heldStreams;
    const kib = (bytes: number) => `${num(bytes / 1024, 1)} KiB`;
    const rps = (mode: ChatKitMode) => median(throughput.get(mode)!);
    const oursOverFloor = median(ratios.floor);
    const oursOverPeer = median(ratios.peer);
    const peerOverFloor = rps('peer') / rps('floor');
    const pass = oursOverFloor >= 0.9 && oursOverPeer > 1;
    const cpuRatio = (a: ChatKitMode, b: ChatKitMode) => median(cpuPerStream.get(a)!) / median(cpuPerStream.get(b)!);

    const body = [
      `\`threads.create\` on each server, one process each${canPin() ? ` pinned to CPU ${SERVER_CPU} (the load generators on CPU ${LOAD_CPU})` : ''}, the package's MemoryStore and the same fixed reply of 20 text deltas in every one. Peer: ${peerInstall} (bench/peer, its own lockfile).`,
      '',
      table(
        ['server', 'streams/s (median)', 'server CPU a stream (median)', 'first event p50', 'first event p99', 'whole stream p50', 'events / bytes a stream', 'non-2xx + errors'],
        modes.map(mode => {
          const results = latency.get(mode)!;
          const first = results.map(result => result.firstEventMs);
          const whole = results.map(result => result.totalMs);
          const one = shape.get(mode)!;
          return [labels[mode], num(rps(mode)), `${num(median(cpuPerStream.get(mode)!))} µs`, `${num(percentile(first, 50), 2)} ms`, `${num(percentile(first, 99), 2)} ms`, `${num(percentile(whole, 50), 2)} ms`, `${one.events} / ${num(one.bytes)}`, failures.get(mode)! + results.filter(result => result.status !== 200).length];
        }),
      ),
      '',
      table(
        ['ratio', 'value', 'budget'],
        [
          ['ours / floor (median of the per-round ratios)', num(oursOverFloor, 3), '>= 0.9'],
          ['ours / peer', num(oursOverPeer, 3), '> 1'],
          ['peer / floor', num(peerOverFloor, 3), ''],
          ['CPU a stream: floor / ours (1 = as cheap as the floor)', num(cpuRatio('floor', 'ours'), 3), ''],
          ['CPU a stream: peer / ours', num(cpuRatio('peer', 'ours'), 3), ''],
        ],
      ),
      '',
      `Memory with ${num(heldStreams)} \`threads.create\` streams held open after \`stream_options\` (each reply waits on a gate), the server's heap after a full GC:`,
      '',
      table(
        ['server', 'heap before', 'heap held', 'heap after release', 'a held stream (held - before)', 'an open stream (held - after release)', 'RSS held', 'streams completed after release'],
        modes.map(mode => {
          const m = memory.get(mode)!;
          return [labels[mode], kib(m.before), kib(m.held), kib(m.after), kib(perStream(mode)), kib(perOpen(mode)), kib(m.rssHeld), `${m.completed} / ${heldStreams}`];
        }),
      ),
      '',
      `"held - before" includes what the store keeps of each thread (the thread and the user message, kept after the stream ends); "held - after release" is what the open stream itself costs. Round by round (streams/s): ${modes.map(mode => `${mode} ${throughput.get(mode)!.map(value => num(value)).join(' / ')}`).join('; ')}. autocannon ${connections} connections, ${durationSec} s a run after ${warmupSec} s of warm-up per server, ${rounds} round(s); first events from ${num(latencyStreams)} streams per server, ${connections} at a time, timed in this process (Node's http client). Loopback figures on a shared 2-core machine, for comparing the three with each other.`,
    ].join('\n');
    const verdict = verdictLine(
      pass,
      `ours/floor = ${num(oursOverFloor, 3)} (budget >= 0.9), ours/peer = ${num(oursOverPeer, 3)} (budget > 1); server CPU a stream floor/ours ${num(cpuRatio('floor', 'ours'), 3)}, peer/ours ${num(cpuRatio('peer', 'ours'), 3)}; streams/s ours ${num(rps('ours'))}, peer ${num(rps('peer'))}, floor ${num(rps('floor'))}; an open stream ${kib(perOpen('ours'))} ours, ${kib(perOpen('peer'))} peer, ${kib(perOpen('floor'))} floor`,
    );
    return { name: 'chatkit', title: '7. ChatKit server: ours, the peer, a floor', body, verdict, pass };
  } finally {
    await Promise.all(children.map(child => child.stop()));
  }
}

standalone(import.meta.url, run);
