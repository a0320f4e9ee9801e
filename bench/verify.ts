// Benchmark 2: what verifying bearer tokens costs the backend.
//   node --import tsx bench/verify.ts        (BENCH_QUICK=1 for a short check)
// Three servers, each bench/serve.ts in its own process, loaded over loopback by autocannon's CLI in
// another process, with `threads.list` (the user has a few threads) and one real token for every request:
//   (a) the demo backend as configured by default: verified-token cache on
//   (b) the demo backend with verifiedTokenCacheSize 0: every request runs jose's jwtVerify
//   (f) the floor: the same protocol handler mounted behind a fixed identity, no verification
// Same connections and duration for each, run back to back, in rounds with the order rotated; the
// median of the rounds is reported. Then, in this process with nothing else running: jose's
// jwtVerify per second (local JWKS, the server's real key and token) and raw Ed25519 crypto.verify.
// Budgets: a/f >= 0.95; the JWKS fetched once per server.
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { cpus } from 'node:os';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type { JSONWebKeySet, JWTVerifyOptions } from 'jose';
import { autocannon } from './lib/autocannon.js';
import type { LoadReport } from './lib/autocannon.js';
import { getToken, signUp, stream, userInput } from './lib/client.js';
import { median, num, setting, standalone, table, verdictLine } from './lib/common.js';
import type { BenchResult } from './lib/common.js';
import { startBenchServer } from './lib/server.js';
import type { BenchServer } from './lib/server.js';

const durationSec = setting('BENCH_VERIFY_DURATION', 10, 2);
const warmupSec = setting('BENCH_VERIFY_WARMUP', 2, 1);
const connections = setting('BENCH_VERIFY_CONNECTIONS', 20, 10);
const rounds = setting('BENCH_VERIFY_ROUNDS', 3, 1);
const inProcessSec = setting('BENCH_VERIFY_INPROCESS', 3, 0.5);
const seededThreads = 5;

type Variant = 'a' | 'b' | 'f';
const labels: Record<Variant, string> = {
  a: '(a) verified-token cache on',
  b: '(b) cache off: jwtVerify on every request',
  f: '(f) floor: fixed identity, no verification',
};

interface Target {
  server: BenchServer;
  token: string;
}

const body = JSON.stringify({ type: 'threads.list', params: { limit: 20 } });

async function prepare(variant: Variant): Promise<Target> {
  const server = await startBenchServer(
    variant === 'f'
      ? { mode: 'floor', config: { offlineDelayMs: 0 } }
      : { mode: 'app', env: { JWT_EXPIRATION: '1h' }, config: { offlineDelayMs: 0, verifiedTokenCacheSize: variant === 'a' ? 10_000 : 0 } },
  );
  try {
    // the floor takes any token (it never looks): send the same shape of header anyway
    const token = variant === 'f' ? 'x.y.z' : await getToken(server.url, await signUp(server.url));
    for (let i = 0; i < seededThreads; i++) {
      const result = await stream(server.url, token, { type: 'threads.create', params: { input: userInput(`Seed thread ${i + 1}`) } });
      if (result.problem) throw new Error(`seeding ${variant}: ${result.problem}`);
    }
    return { server, token };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

function load(target: Target, seconds: number): Promise<LoadReport> {
  return autocannon({
    url: `${target.server.url}/chatkit`,
    connections,
    durationSec: seconds,
    method: 'POST',
    headers: { Authorization: `Bearer ${target.token}`, 'Content-Type': 'application/json' },
    body,
  });
}

/** Calls `once` repeatedly for `seconds`; operations per second. */
async function perSecond(seconds: number, once: () => unknown): Promise<number> {
  for (let i = 0; i < 200; i++) await once(); // warm up the JIT
  const started = performance.now();
  const until = started + seconds * 1000;
  let count = 0;
  while (performance.now() < until) {
    for (let i = 0; i < 50; i++) await once();
    count += 50;
  }
  return count / ((performance.now() - started) / 1000);
}

export async function run(): Promise<BenchResult> {
  const targets = {} as Record<Variant, Target>;
  const reports: Record<Variant, LoadReport[]> = { a: [], b: [], f: [] };
  let serverStats: Record<'a' | 'b', Awaited<ReturnType<BenchServer['stats']>>['stats']>;
  let jwks: JSONWebKeySet;
  let realToken: string;
  let issuer: string;
  try {
    for (const variant of ['f', 'a', 'b'] as const) targets[variant] = await prepare(variant);
    const order: Variant[] = ['f', 'a', 'b'];
    for (let round = 0; round < rounds; round++) {
      const sequence = [...order.slice(round % 3), ...order.slice(0, round % 3)];
      for (const variant of sequence) {
        if (warmupSec > 0) await load(targets[variant], warmupSec);
        const report = await load(targets[variant], durationSec);
        reports[variant].push(report);
        console.log(
          `  round ${round + 1} ${variant}: ${num(report.requestsPerSec)} req/s, p50 ${report.latency.p50} ms, p99 ${report.latency.p99} ms` +
            (report.non2xx || report.errors ? `, ${report.non2xx} non-2xx, ${report.errors} errors` : ''),
        );
      }
    }
    serverStats = { a: (await targets.a.server.stats()).stats, b: (await targets.b.server.stats()).stats };
    issuer = targets.a.server.url;
    jwks = (await (await fetch(`${issuer}/api/auth/jwks`)).json()) as JSONWebKeySet;
    realToken = targets.a.token;
  } finally {
    await Promise.all(Object.values(targets).map(target => target.server.stop()));
  }

  // In process, with the servers gone: the product's token and key, the product's verify options.
  const options: JWTVerifyOptions = { algorithms: ['EdDSA'], issuer, audience: issuer, requiredClaims: ['sub', 'exp'], clockTolerance: 5 };
  const localSet = createLocalJWKSet(jwks);
  const key = createPublicKey({ key: jwks.keys[0]! as import('node:crypto').JsonWebKey, format: 'jwk' });
  const [header, payload, signature] = realToken.split('.') as [string, string, string];
  const signingInput = Buffer.from(`${header}.${payload}`);
  const signatureBytes = Buffer.from(signature, 'base64url');
  if (!cryptoVerify(null, signingInput, key, signatureBytes)) throw new Error('the real token does not verify with crypto.verify');
  const joseSet = await perSecond(inProcessSec, () => jwtVerify(realToken, localSet, options));
  const joseKey = await perSecond(inProcessSec, () => jwtVerify(realToken, key, options));
  const raw = await perSecond(inProcessSec, () => cryptoVerify(null, signingInput, key, signatureBytes));

  // Figures: the median round of each variant.
  const figure = (variant: Variant) => {
    const list = reports[variant];
    return {
      rps: median(list.map(r => r.requestsPerSec)),
      p50: median(list.map(r => r.latency.p50)),
      p99: median(list.map(r => r.latency.p99)),
      requests: list.reduce((sum, r) => sum + r.requests, 0),
      bad: list.reduce((sum, r) => sum + r.non2xx + r.errors + r.timeouts, 0),
    };
  };
  const f = figure('f');
  const a = figure('a');
  const b = figure('b');
  const aOverF = a.rps / f.rps;
  const bOverF = b.rps / f.rps;
  const fetchesA = serverStats.a.jwksFetches;
  const fetchesB = serverStats.b.jwksFetches;
  const anyBad = a.bad + b.bad + f.bad;
  const pass = aOverF >= 0.95 && fetchesA <= 1 && fetchesB <= 1 && anyBad === 0;

  const rows = (['a', 'b', 'f'] as const).map(variant => {
    const x = figure(variant);
    return [labels[variant], num(x.rps), `${x.p50} ms`, `${x.p99} ms`, num(x.requests), num(x.bad)];
  });
  const roundRows = (['a', 'b', 'f'] as const).map(variant => [variant, ...reports[variant].map(r => num(r.requestsPerSec))]);
  const bodyText = [
    `\`POST /chatkit\` \`threads.list\` (the user has ${seededThreads} threads), one real Better Auth JWT (1 h) for every request; ` +
      `autocannon ${connections} connections, ${durationSec} s measured after ${warmupSec} s of warm-up, ${rounds} round(s) with the order rotated; median round shown.`,
    '',
    table(['server', 'requests/s', 'p50', 'p99', 'requests (all rounds)', 'non-2xx + errors'], rows),
    '',
    table(['ratio', 'value', 'budget'], [
      ['a/f (cache on vs floor)', num(aOverF, 3), '>= 0.95'],
      ['b/f (cache off vs floor)', num(bOverF, 3), ''],
      ['jose/raw (jwtVerify with a local JWKS / raw Ed25519 verify)', num(joseSet / raw, 3), ''],
    ]),
    '',
    table(['in process, one core, nothing else running', 'per second'], [
      ['jose `jwtVerify`, local JWKS (`createLocalJWKSet`), the server\'s real token and key', num(joseSet)],
      ['jose `jwtVerify`, the public `KeyObject` directly', num(joseKey)],
      ['raw Ed25519 `crypto.verify` of the same signature', num(raw)],
    ]),
    '',
    table(['server counters after the run', '(a) cache on', '(b) cache off', 'budget'], [
      ['JWKS fetches by the verifier', fetchesA, fetchesB, '1'],
      ['forced JWKS reloads', serverStats.a.jwksForcedReloads, serverStats.b.jwksForcedReloads, ''],
      ['full verifications (jwtVerify)', num(serverStats.a.tokenVerifications), num(serverStats.b.tokenVerifications), ''],
      ['verified-token cache hits', num(serverStats.a.tokenCacheHits), num(serverStats.b.tokenCacheHits), ''],
      ['chat answers other than 200', num(nonOk(serverStats.a)), num(nonOk(serverStats.b)), '0'],
    ]),
    '',
    'Round by round (requests/s):',
    '',
    table(['variant', ...Array.from({ length: rounds }, (_, i) => `round ${i + 1}`)], roundRows),
    '',
    `Machine: ${cpus().length} cores shared by the server process and the load generator (autocannon, one process): ` +
      'each gets about one core, so these are loopback figures for comparing the variants with each other, not the capacity of a real deployment. ' +
      'The floor mirrors app.ts\'s /chatkit route (Hono, CORS middleware, counters, the outer fetch wrapper) minus `verifier.verify`.',
  ].join('\n');

  return {
    name: 'verify',
    title: '2. Verification cost',
    body: bodyText,
    pass,
    verdict: verdictLine(
      pass,
      `a/f = ${num(aOverF, 3)} (budget >= 0.95; b/f = ${num(bOverF, 3)}), JWKS fetched ${fetchesA} time(s) with the cache and ${fetchesB} without (budget 1)` +
        (anyBad ? `, ${anyBad} failed requests` : ''),
    ),
  };
}

function nonOk(stats: { chatResponsesByStatus: Record<number, number> }): number {
  return Object.entries(stats.chatResponsesByStatus).reduce((sum, [status, count]) => sum + (status === '200' ? 0 : count), 0);
}

standalone(import.meta.url, run);
