// Starts bench/serve.ts in a child process (its own event loop, its own core when one is free) and
// talks to it over IPC: its URL, its live counters and its memory.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MemoryFigures, ServeMessage, ServeSpec } from '../serve.js';
import { pinned } from './common.js';
import type { ServerStats } from '../../demo/server/stats.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface BenchServer {
  url: string;
  /** app mode: the floor served beside the app, in its process. */
  floorUrl?: string;
  pid: number;
  /** The server's counters (and the floor's beside it) and its memory (`gc`: after a full GC, the live heap). */
  stats(options?: { gc?: boolean }): Promise<{ stats: ServerStats; floorStats?: ServerStats; memory: MemoryFigures; cpu: { user: number; system: number } }>;
  /** app mode: its fetch handler against the floor's request path in the same process (bench/serve.ts abInApp). */
  ab(token: string, count: number, chunks: number): Promise<{ appUs: number; floorUs: number; ratio: number }>;
  stop(): Promise<void>;
}

/** Starts a server; its SQLite database lives in a fresh temporary folder removed on stop. */
export async function startBenchServer(spec: Omit<ServeSpec, 'env'> & { env?: Record<string, string> }, options: { cpu?: number } = {}): Promise<BenchServer> {
  const dir = mkdtempSync(join(tmpdir(), 'auth-chatkit-bench-'));
  const full: ServeSpec = { ...spec, env: { DATABASE_PATH: join(dir, 'bench.sqlite'), ...spec.env } };
  // BENCH_SERVER_ARGS: extra node flags for the server, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof'
  const extra = (process.env.BENCH_SERVER_ARGS ?? '').split(' ').filter(Boolean);
  const [command, args] = pinned(options.cpu, process.execPath, ['--expose-gc', ...extra, '--import', 'tsx', 'bench/serve.ts']);
  const child: ChildProcess = spawn(command, args, {
    cwd: root,
    env: { ...process.env, BENCH_SERVER: JSON.stringify(full) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
  const cleanUp = () => rmSync(dir, { recursive: true, force: true });

  const next = <T extends ServeMessage['type']>(type: T, timeoutMs = 60_000) =>
    new Promise<Extract<ServeMessage, { type: T }>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bench server: no "${type}" message within ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (message: ServeMessage) => {
        if (message.type === 'failed') {
          done();
          reject(new Error(`bench server failed: ${message.message}`));
        } else if (message.type === type) {
          done();
          resolve(message as Extract<ServeMessage, { type: T }>);
        }
      };
      const onExit = (code: number | null) => {
        done();
        reject(new Error(`bench server exited (${code}) before "${type}"`));
      };
      const done = () => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });

  let ready: Extract<ServeMessage, { type: 'ready' }>;
  try {
    ready = await next('ready');
  } catch (error) {
    child.kill();
    await exited;
    cleanUp();
    throw error;
  }

  let stopping: Promise<void> | undefined;
  return {
    url: ready.url,
    ...(ready.floorUrl && { floorUrl: ready.floorUrl }),
    pid: child.pid!,
    async stats({ gc = false } = {}) {
      const answer = next('stats');
      child.send({ type: 'stats', gc });
      const { stats, floorStats, memory, cpu } = await answer;
      return { stats, ...(floorStats && { floorStats }), memory, cpu };
    },
    async ab(token, count, chunks) {
      const answer = next('ab', 300_000);
      child.send({ type: 'ab', token, count, chunks });
      const { appUs, floorUs, ratio } = await answer;
      return { appUs, floorUs, ratio };
    },
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null) {
          child.send({ type: 'stop' });
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timer);
        }
        cleanUp();
      })();
      return stopping;
    },
  };
}
