// Shared by the benchmarks: options from the environment (with a quick mode for development),
// statistics, Markdown tables, and the result every benchmark hands back to bench/run.ts.
import { existsSync } from 'node:fs';
import os from 'node:os';
import { pathToFileURL } from 'node:url';

/** What one benchmark hands back: its figures as Markdown, and a one-line verdict. */
export interface BenchResult {
  name: string;
  title: string;
  /** Markdown: tables and notes (printed to stdout too). */
  body: string;
  /** One line, starting with PASS or MISS. */
  verdict: string;
  pass: boolean;
}

/**
 * Quick mode (BENCH_QUICK=1 or --quick): short durations and few runs, for checking that the scripts
 * work while someone else uses the machine. Its figures are not benchmark results.
 */
export const quick = process.env.BENCH_QUICK === '1' || process.argv.includes('--quick');

/** A number from the environment, or the default for the current mode. */
export function setting(name: string, full: number, quickValue: number): number {
  const raw = process.env[name];
  if (raw !== undefined && raw.trim() !== '') {
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number (got "${raw}")`);
    return value;
  }
  return quick ? quickValue : full;
}

/** The p-th percentile (0-100) of `values` by the nearest-rank method. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** The median (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * `command args` bound to one CPU with taskset when the machine has 2+ cores and taskset exists
 * (BENCH_PIN=0 turns it off): keeps a server and its load generator from trading places.
 */
export function pinned(cpu: number | undefined, command: string, args: string[]): [string, string[]] {
  if (cpu === undefined || !canPin()) return [command, args];
  return ['taskset', ['-c', String(cpu), command, ...args]];
}

let pinnable: boolean | undefined;
export function canPin(): boolean {
  if (pinnable === undefined) {
    pinnable = process.env.BENCH_PIN !== '0' && os.cpus().length >= 2 && ['/usr/bin/taskset', '/bin/taskset'].some(path => existsSync(path));
  }
  return pinnable;
}

/** Whole numbers with thousands separators; `digits` decimals otherwise. */
export function num(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return String(value);
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export const ms = (value: number, digits = 1) => `${num(value, digits)} ms`;
export const mib = (bytes: number) => `${num(bytes / 1024 / 1024, 1)} MiB`;

/** A Markdown table; numbers are right-aligned when `align` says so. */
export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[], align?: readonly ('l' | 'r')[]): string {
  const marks = headers.map((_, i) => ((align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'r' ? '---:' : '---'));
  const line = (cells: readonly (string | number)[]) => `| ${cells.map(cell => String(cell).replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(headers), `| ${marks.join(' | ')} |`, ...rows.map(line)].join('\n');
}

export const verdictLine = (pass: boolean, text: string) => `${pass ? 'PASS' : 'MISS'}: ${text}`;

/** Prints a result as it would appear in bench/results.md. */
export function printResult(result: BenchResult): void {
  console.log(`\n## ${result.title}\n\n${result.body}\n\n**${result.verdict}**\n`);
}

/** Runs `run` when the calling module is the entry point (`node --import tsx bench/x.ts`). */
export function standalone(moduleUrl: string, run: () => Promise<BenchResult>): void {
  const entry = process.argv[1];
  if (!entry || pathToFileURL(entry).href !== moduleUrl) return;
  run().then(
    result => {
      printResult(result);
      if (quick) console.log('(quick mode: figures for checking the script only)');
    },
    error => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}

export const sleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms));

/** Runs `task` over `items` with at most `limit` at a time; results in input order. */
export async function pool<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
