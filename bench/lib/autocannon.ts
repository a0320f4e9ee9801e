// autocannon's CLI in a child process: the load generator gets its own process, apart from both the
// server and this script (which waits, idle, for the JSON report).
import { spawn } from 'node:child_process';
import { root } from './build.js';
import { pinned } from './common.js';

export interface LoadSpec {
  url: string;
  connections: number;
  durationSec: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Bind the load generator to this CPU (taskset), when possible. */
  cpu?: number;
}

export interface LoadReport {
  requests: number;
  durationSec: number;
  requestsPerSec: number;
  latency: { p50: number; p90: number; p99: number; mean: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

interface AutocannonJson {
  duration: number;
  requests: { total: number; average: number };
  latency: { p50: number; p90: number; p99: number; average: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  '2xx': number;
}

export async function autocannon(spec: LoadSpec): Promise<LoadReport> {
  const args = [
    `${root}node_modules/autocannon/autocannon.js`,
    '--json',
    '--no-progress',
    '-c',
    String(spec.connections),
    '-d',
    String(spec.durationSec),
    '-m',
    spec.method ?? 'GET',
  ];
  for (const [name, value] of Object.entries(spec.headers ?? {})) args.push('-H', `${name}=${value}`);
  if (spec.body !== undefined) args.push('-b', spec.body);
  args.push(spec.url);

  const [command, commandArgs] = pinned(spec.cpu, process.execPath, args);
  const child = spawn(command, commandArgs, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', chunk => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', chunk => (stderr += chunk));
  const code = await new Promise<number | null>(resolve => child.once('close', resolve));
  if (code !== 0) throw new Error(`autocannon exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' ')}`);
  const report = JSON.parse(stdout) as AutocannonJson;
  // completed requests over the measured time (autocannon's per-second average drops partial seconds)
  return {
    requests: report.requests.total,
    durationSec: report.duration,
    requestsPerSec: report.requests.total / report.duration,
    latency: { p50: report.latency.p50, p90: report.latency.p90, p99: report.latency.p99, mean: report.latency.average, max: report.latency.max },
    non2xx: report.non2xx,
    errors: report.errors,
    timeouts: report.timeouts,
  };
}
