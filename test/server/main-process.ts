// The demo backend as its own process, as people run it: `node --import tsx demo/server/main.ts` with
// the given environment (and nothing else from the test's, NODE_ENV included), its output collected.
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../../demo/server/main.ts', import.meta.url));
const PREFIX = 'auth-chatkit demo: ';

export interface MainOutput {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface MainProcess {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** What it has printed so far. */
  output: Omit<MainOutput, 'code'>;
  /** Resolves when the process has exited, with everything it printed. */
  done: Promise<MainOutput>;
}

/** Starts main.ts; a process still running after `timeoutMs` is killed, so a test fails instead of hanging. */
export function runMain(env: Record<string, string>, timeoutMs = 10_000): MainProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', chunk => (output.stdout += chunk));
  child.stderr.on('data', chunk => (output.stderr += chunk));
  const done = new Promise<MainOutput>(resolve => child.on('close', code => resolve({ code, ...output })));
  return { child, output, done };
}

export interface RunningMain extends MainProcess {
  /** The public URL the process printed (no trailing slash). */
  url: string;
  /** SIGTERM, then its output once it has exited. */
  stop(): Promise<MainOutput>;
}

/** Starts main.ts and waits for its "auth-chatkit demo: URL" line; rejects with its output if it exits first. */
export async function startMain(env: Record<string, string>, timeoutMs = 120_000): Promise<RunningMain> {
  const running = runMain(env, timeoutMs);
  const url = await new Promise<string>((resolve, reject) => {
    running.child.stdout.on('data', () => {
      const line = running.output.stdout.split('\n').find(text => text.startsWith(PREFIX));
      if (line) resolve(line.slice(PREFIX.length).replace(/\/$/, ''));
    });
    void running.done.then(output => reject(new Error(`main.ts exited (${output.code}) before listening: ${output.stderr.trim()}`)));
  });
  return {
    ...running,
    url,
    stop() {
      running.child.kill('SIGTERM');
      return running.done;
    },
  };
}
