// Benchmark 1: the size of the script-tag file, dist/auth-chatkit.js, as a browser downloads it.
//   node --import tsx bench/bundle.ts [--build]
// gzip -9 (GNU gzip, as the budget is stated; zlib level 9 when gzip is not installed) and brotli
// (Node's zlib at its default, maximum quality 11). Budget: 22 KB gzip, counted as 22,000 bytes.
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { bundleBudget, bundleSize } from '../scripts/build.mjs';
import { ensureBuilt, root } from './lib/build.js';
import { num, standalone, table, verdictLine } from './lib/common.js';
import type { BenchResult } from './lib/common.js';

export async function run(): Promise<BenchResult> {
  const provenance = await ensureBuilt();
  const file = `${root}dist/auth-chatkit.js`;
  const { raw, gzip, brotli } = bundleSize(file);
  const zlibGzip = gzipSync(readFileSync(file), { level: 9 }).length;
  const pass = gzip <= bundleBudget;
  const body = [
    table(
      ['dist/auth-chatkit.js', 'bytes', 'of the budget'],
      [
        ['raw (minified)', num(raw), ''],
        ['gzip -9', num(gzip), `${num((gzip / bundleBudget) * 100, 1)} %`],
        ['gzip level 9 (Node zlib, for comparison)', num(zlibGzip), ''],
        ['brotli (quality 11)', num(brotli), ''],
      ],
    ),
    '',
    `Budget: ${num(bundleBudget)} bytes gzip -9; headroom ${num(bundleBudget - gzip)} bytes. Bundle: ${provenance}.`,
  ].join('\n');
  return {
    name: 'bundle',
    title: '1. Bundle size',
    body,
    pass,
    verdict: verdictLine(pass, `${num(gzip)} bytes gzip -9 (brotli ${num(brotli)}) against a budget of ${num(bundleBudget)}`),
  };
}

standalone(import.meta.url, run);
