// `npm run bench [-- names...] [--quick] [--build]`: runs the benchmarks one after the other (never two
// at once), prints each one's figures and verdict as it finishes, and writes bench/results.md with
// the date and the machine. Names: bundle, verify, refresh, ready, load, launcher, chatkit (default: all).
// A subset replaces its own sections of results.md and keeps the others (each says when it ran).
// --quick (or BENCH_QUICK=1): short runs to check the scripts; results.md is left alone.
// --build (or BENCH_BUILD=1): rebuild the bundles first (otherwise an existing dist/ is used).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { findChrome } from '../scripts/find-chrome.mjs';
import { run as bundle } from './bundle.js';
import { run as chatkit } from './chatkit-server.js';
import { run as launcher } from './launcher.js';
import { mib, num, printResult, quick } from './lib/common.js';
import type { BenchResult } from './lib/common.js';
import { root } from './lib/build.js';
import { run as load } from './load.js';
import { run as ready } from './ready.js';
import { run as refresh } from './refresh.js';
import { run as verify } from './verify.js';

const benchmarks: Record<string, () => Promise<BenchResult>> = { bundle, verify, refresh, ready, load, launcher, chatkit };
const resultsFile = `${root}bench/results.md`;

const stamp = (date: Date) => date.toISOString().replace(/\.\d+Z$/, 'Z');

function machine(): string[] {
  const cpu = cpus();
  let os = `Linux ${release()}`;
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    if (pretty) os = `${pretty}, kernel ${release()}`;
  } catch {
    // not Linux, or no os-release
  }
  let chromium = 'not found';
  try {
    chromium = execFileSync(findChrome(), ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // reported as not found
  }
  return [
    `- CPU: ${cpu[0]?.model.trim() ?? 'unknown'}, ${cpu.length} cores`,
    `- Memory: ${mib(totalmem())}`,
    `- OS: ${os}`,
    `- Node ${process.version}; ${chromium}`,
  ];
}

interface Section {
  name: string;
  text: string;
}

/** The sections of an existing results.md, by benchmark name. */
function previousSections(): Map<string, string> {
  const sections = new Map<string, string>();
  if (!existsSync(resultsFile)) return sections;
  const text = readFileSync(resultsFile, 'utf8');
  for (const match of text.matchAll(/<!-- bench:(\w+) -->\n([\s\S]*?)<!-- \/bench:\1 -->/g)) sections.set(match[1]!, match[2]!);
  return sections;
}

async function main(): Promise<void> {
  const asked = process.argv.slice(2).filter(arg => !arg.startsWith('--'));
  const unknown = asked.filter(name => !(name in benchmarks));
  if (unknown.length) {
    console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Known: ${Object.keys(benchmarks).join(', ')}.`);
    process.exitCode = 2;
    return;
  }
  const names = asked.length ? Object.keys(benchmarks).filter(name => asked.includes(name)) : Object.keys(benchmarks);
  const started = new Date();
  console.log(`auth-chatkit benchmarks: ${names.join(', ')}${quick ? ' (quick mode)' : ''}\n${machine().join('\n')}`);

  const sections: Section[] = [];
  const summary: { name: string; title: string; verdict: string }[] = [];
  for (const name of names) {
    const load = loadavg().map(value => num(value, 2)).join(' / ');
    const began = performance.now();
    console.log(`\n=== ${name} (load average ${load}) ...`);
    let result: BenchResult;
    try {
      result = await benchmarks[name]!();
    } catch (error) {
      console.error(error);
      result = { name, title: name, body: `The benchmark failed: ${String(error instanceof Error ? error.message : error)}`, verdict: 'FAILED: the script did not finish', pass: false };
      process.exitCode = 1;
    }
    const seconds = (performance.now() - began) / 1000;
    printResult(result);
    summary.push({ name, title: result.title, verdict: result.verdict });
    sections.push({
      name,
      text: `## ${result.title}\n\n_Measured ${stamp(new Date())} in ${num(seconds, 0)} s; load average before it (1/5/15 min): ${load}._\n\n${result.body}\n\n**${result.verdict}**\n`,
    });
  }

  console.log('\n=== summary');
  for (const { title, verdict } of summary) console.log(`${title}: ${verdict}`);

  if (quick) {
    console.log('\n(quick mode: bench/results.md left alone)');
    return;
  }
  const previous = previousSections();
  for (const { name, text } of sections) previous.set(name, text);
  const ordered = Object.keys(benchmarks).filter(name => previous.has(name));
  const verdictOf = (name: string) => /\n\*\*((?:PASS|MISS|FAILED)[^\n]*)\*\*\n$/.exec(previous.get(name)!)?.[1] ?? '';
  const titleOf = (name: string) => /^## (.*)$/m.exec(previous.get(name)!)?.[1] ?? name;
  const text = [
    '# auth-chatkit benchmarks',
    '',
    `Written by \`npm run bench\` (bench/run.ts) on ${stamp(started)}${names.length < Object.keys(benchmarks).length ? ` (this run: ${names.join(', ')}; other sections keep the date they were measured)` : ''}. ` +
      'Benchmarks, not tests: CI does not run them. Each script runs alone too: `node --import tsx bench/<name>.ts`; see bench/README.md.',
    '',
    '## Machine',
    '',
    ...machine(),
    '',
    '## Verdicts',
    '',
    '| benchmark | verdict |',
    '| --- | --- |',
    ...ordered.map(name => `| ${titleOf(name)} | ${verdictOf(name).replace(/\|/g, '\\|')} |`),
    '',
    ...ordered.map(name => `<!-- bench:${name} -->\n${previous.get(name)}<!-- /bench:${name} -->\n`),
  ].join('\n');
  writeFileSync(resultsFile, text);
  console.log(`\nwrote bench/results.md`);
}

await main();
