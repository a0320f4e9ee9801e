// Benchmark 2: what verifying bearer tokens costs the backend.
//   node --import tsx bench/verify.ts        (BENCH_QUICK=1 for a short check)
// Servers started by bench/serve.ts, loaded over loopback by autocannon's CLI in another process,
// with `threads.list` (the user has a few threads) and one real token for every request:
//   (a) the demo backend as configured by default: verified-token cache on
//   (f) the floor: the same protocol handler mounted behind a fixed identity, no verification, served
//       beside (a) in (a)'s own process (its own port, the app's store and responder): the two differ
//       in verification and nothing else
//   (b) the demo backend with verifiedTokenCacheSize 0, a process of its own: every request runs
//       jose's jwtVerify
//   (f0) the bare floor: the floor in a process of its own without Better Auth: not the budget's
//       comparison, it shows what hosting Better Auth costs a process (its AsyncLocalStorage)
// Same connections and duration for each, run back to back, in rounds with the order rotated; (a) and
// (f) in alternating one-second slices (x y y x ...), since one variant's throughput drifts by 10 % and
// more between runs of a few seconds on this machine; ratios are taken within each round (neighbours in time share the machine's mood) and their median reported,
// with each server's CPU time a request (read from the server process). Then, inside each app
// process, its handler against the floor's request path built beside it (no HTTP, same store, same
// process): what verification itself adds. Then, in this process with nothing else running: jose's
// jwtVerify per second (local JWKS, the server's real key and token) and raw Ed25519 crypto.verify.
// Budgets: a/f >= 0.95; the JWKS fetched once per server.
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { cpus } from 'node:os';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type { JSONWebKeySet, JWTVerifyOptions } from 'jose';
import { autocannon } from './lib/autocannon.js';
import type { LoadReport } from './lib/autocannon.js';
import { getToken, signUp, stream, userInput } from './lib/client.js';
import { canPin, median, num, setting, standalone, table, verdictLine } from './lib/common.js';
import type { BenchResult } from './lib/common.js';
import { startBenchServer } from './lib/server.js';
import { bearerToken, createVerifier } from '../src/server/index.js';
import type { BenchServer } from './lib/server.js';
import type { ServerStats } from '../demo/server/stats.js';

const durationSec = setting('BENCH_VERIFY_DURATION', 8, 2);
const warmupSec = setting('BENCH_VERIFY_WARMUP', 2, 1);
const connections = setting('BENCH_VERIFY_CONNECTIONS', 20, 10);
const rounds = setting('BENCH_VERIFY_ROUNDS', 9, 1);
const inProcessSec = setting('BENCH_VERIFY_INPROCESS', 2, 0.3);
/** In-process A/B inside each app process: requests per side, in alternating chunks. */
const abCount = setting('BENCH_VERIFY_AB', 30_000, 1_000);
const abChunks = 30;
const seededThreads = 5;
/** With taskset: each server on CPU 1, autocannon on CPU 0 (no trading places between runs). */
const SERVER_CPU = 1;
const LOAD_CPU = 0;

type Variant = 'a' | 'f' | 'b' | 'f0';
const variants: Variant[] = ['a', 'f', 'b', 'f0'];
const labels: Record<Variant, string> = {
  a: '(a) verified-token cache on',
  f: "(f) floor: fixed identity, no verification, in (a)'s process",
  b: '(b) cache off: jwtVerify on every request',
  f0: '(f0) bare floor: a process of its own, no Better Auth',
};

interface Target {
  server: BenchServer;
  url: string;
  token: string;
  /** This target's counters among the server process's. */
  counters(stats: Awaited<ReturnType<BenchServer['stats']>>): ServerStats;
}

const body = JSON.stringify({ type: 'threads.list', params: { limit: 20 } });

const ownCounters = (stats: Awaited<ReturnType<BenchServer['stats']>>) => stats.stats;

async function seed(variant: Variant, url: string, token: string): Promise<void> {
  for (let i = 0; i < seededThreads; i++) {
    const result = await stream(url, token, { type: 'threads.create', params: { input: userInput(`Seed thread ${i + 1}`) } });
    if (result.problem) throw new Error(`seeding ${variant}: ${result.problem}`);
  }
}

/** (a) or (b) with a signed-up user; for (a), also (f) beside it. */
async function prepareApp(cacheSize: number): Promise<Target[]> {
  const env = { JWT_EXPIRATION: '1h' };
  const server = await startBenchServer({ mode: 'app', env, config: { offlineDelayMs: 0, verifiedTokenCacheSize: cacheSize } }, { cpu: SERVER_CPU });
  try {
    const token = await getToken(server.url, await signUp(server.url));
    await seed(cacheSize ? 'a' : 'b', server.url, token);
    const app: Target = { server, url: server.url, token, counters: ownCounters };
    if (!cacheSize) return [app];
    // the floor never looks at the token, but gets the same one: the same bytes to parse as (a)
    const floor: Target = { server, url: server.floorUrl!, token, counters: stats => stats.floorStats! };
    await seed('f', floor.url, floor.token);
    return [app, floor];
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** `token`: (a)'s, sent though never looked at, so that the requests are the same bytes. */
async function prepareBareFloor(token: string): Promise<Target> {
  const server = await startBenchServer({ mode: 'floor', env: { JWT_EXPIRATION: '1h' }, config: { offlineDelayMs: 0 } }, { cpu: SERVER_CPU });
  try {
    await seed('f0', server.url, token);
    return { server, url: server.url, token, counters: ownCounters };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

interface Measured extends LoadReport {
  /** Server CPU time (all its threads) per request served, µs. */
  cpuPerRequest: number;
}

async function measure(target: Target, seconds: number): Promise<Measured> {
  const before = await target.server.stats();
  const report = await load(target, seconds);
  const after = await target.server.stats();
  const cpu = after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system;
  return { ...report, cpuPerRequest: cpu / (target.counters(after).chatRequests - target.counters(before).chatRequests) };
}

/**
 * (a) and (f), the budget's pair, in alternating slices (ABBA: x y y x, repeated) adding up to
 * `seconds` each, so that the machine's drift within a round falls on both alike.
 */
async function measurePair(x: Target, y: Target, seconds: number, yFirst: boolean): Promise<[Measured, Measured]> {
  const [first, second] = yFirst ? [y, x] : [x, y];
  if (warmupSec > 0) {
    await load(first, warmupSec);
    await load(second, warmupSec);
  }
  const slices = seconds >= 4 ? 4 : 2;
  const slice = seconds / slices;
  const parts = new Map<Target, Measured[]>([[x, []], [y, []]]);
  for (let i = 0; i < slices; i++) {
    for (const target of i % 2 === 0 ? [first, second, second, first] : [second, first, first, second]) {
      parts.get(target)!.push(await measure(target, slice / 2));
    }
  }
  return [combine(parts.get(x)!), combine(parts.get(y)!)];
}

/** Slices of one variant as one measurement: totals over the summed time, the median slice's latencies. */
function combine(slices: Measured[]): Measured {
  const requests = slices.reduce((sum, r) => sum + r.requests, 0);
  const durationSec = slices.reduce((sum, r) => sum + r.durationSec, 0);
  const middle = (pick: (r: Measured) => number) => median(slices.map(pick));
  return {
    requests,
    durationSec,
    requestsPerSec: requests / durationSec,
    latency: { p50: middle(r => r.latency.p50), p90: middle(r => r.latency.p90), p99: middle(r => r.latency.p99), mean: middle(r => r.latency.mean), max: Math.max(...slices.map(r => r.latency.max)) },
    non2xx: slices.reduce((sum, r) => sum + r.non2xx, 0),
    errors: slices.reduce((sum, r) => sum + r.errors, 0),
    timeouts: slices.reduce((sum, r) => sum + r.timeouts, 0),
    cpuPerRequest: slices.reduce((sum, r) => sum + r.cpuPerRequest * r.requests, 0) / requests,
  };
}

function load(target: Target, seconds: number): Promise<LoadReport> {
  return autocannon({
    url: `${target.url}/chatkit`,
    connections,
    durationSec: seconds,
    method: 'POST',
    headers: { Authorization: `Bearer ${target.token}`, 'Content-Type': 'application/json' },
    body,
    cpu: LOAD_CPU,
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
  const reports: Record<Variant, Measured[]> = { a: [], f: [], b: [], f0: [] };
  const ab = {} as Record<'a' | 'b', { appUs: number; floorUs: number; ratio: number }>;
  let serverStats: Record<'a' | 'b', Awaited<ReturnType<BenchServer['stats']>>['stats']>;
  let jwks: JSONWebKeySet;
  let realToken: string;
  let issuer: string;
  try {
    [targets.a, targets.f] = (await prepareApp(10_000)) as [Target, Target];
    [targets.b] = (await prepareApp(0)) as [Target];
    targets.f0 = await prepareBareFloor(targets.a.token);
    const order: ('af' | 'b' | 'f0')[] = ['af', 'b', 'f0'];
    for (let round = 0; round < rounds; round++) {
      const sequence = [...order.slice(round % order.length), ...order.slice(0, round % order.length)];
      const measured: [Variant, Measured][] = [];
      for (const unit of sequence) {
        if (unit === 'af') {
          const [a, f] = await measurePair(targets.a, targets.f, durationSec, round % 2 === 1);
          measured.push(['a', a], ['f', f]);
        } else {
          if (warmupSec > 0) await load(targets[unit], warmupSec);
          measured.push([unit, await measure(targets[unit], durationSec)]);
        }
      }
      for (const [variant, report] of measured) {
        reports[variant].push(report);
        console.log(
          `  round ${round + 1} ${variant}: ${num(report.requestsPerSec)} req/s, p50 ${report.latency.p50} ms, p99 ${report.latency.p99} ms, ` +
            `${num(report.cpuPerRequest)} µs server CPU a request` +
            (report.non2xx || report.errors ? `, ${report.non2xx} non-2xx, ${report.errors} errors` : ''),
        );
      }
    }
    serverStats = { a: (await targets.a.server.stats()).stats, b: (await targets.b.server.stats()).stats };
    // in each app process: its handler against the floor's request path beside it (no HTTP)
    for (const variant of ['a', 'b'] as const) ab[variant] = await targets[variant].server.ab(targets[variant].token, abCount, abChunks);
    issuer = targets.a.server.url;
    jwks = (await (await fetch(`${issuer}/api/auth/jwks`)).json()) as JSONWebKeySet;
    realToken = targets.a.token;
  } finally {
    await Promise.all([...new Set(Object.values(targets).map(target => target.server))].map(server => server.stop()));
  }

  // In process, with the servers gone: the product's token and key, the product's verify options.
  const options: JWTVerifyOptions = { algorithms: ['EdDSA'], issuer, audience: issuer, requiredClaims: ['sub', 'exp'], clockTolerance: 5 };
  const localSet = createLocalJWKSet(jwks);
  const key = createPublicKey({ key: jwks.keys[0]! as import('node:crypto').JsonWebKey, format: 'jwk' });
  const [header, payload, signature] = realToken.split('.') as [string, string, string];
  const signingInput = Buffer.from(`${header}.${payload}`);
  const signatureBytes = Buffer.from(signature, 'base64url');
  if (!cryptoVerify(null, signingInput, key, signatureBytes)) throw new Error('the real token does not verify with crypto.verify');
  // the product's own verifier (auth-chatkit/server, defaults as the demo uses them), its JWKS answered in memory
  const productVerifier = (cacheSize: number) => createVerifier({ authUrl: `${issuer}/api/auth`, cacheSize, fetch: async () => Response.json(jwks) });
  const cached = productVerifier(10_000);
  const uncached = productVerifier(0);
  const authorization = `Bearer ${realToken}`;
  // a fresh copy of the header each time, as each request brings its own string
  const freshHeader = () => (' ' + authorization).slice(1);
  const microbenchmarks = {
    joseSet: () => jwtVerify(realToken, localSet, options),
    joseKey: () => jwtVerify(realToken, key, options),
    raw: () => cryptoVerify(null, signingInput, key, signatureBytes),
    verifierFull: () => uncached.verify(bearerToken(freshHeader())!),
    verifierHit: () => cached.authenticate(freshHeader()),
  };
  // two passes, best of the two for each (a microbenchmark's noise only ever slows it down)
  const best = {} as Record<keyof typeof microbenchmarks, number>;
  for (let pass = 0; pass < 2; pass++) {
    for (const [name, once] of Object.entries(microbenchmarks) as [keyof typeof microbenchmarks, () => unknown][]) {
      best[name] = Math.max(best[name] ?? 0, await perSecond(inProcessSec, once));
    }
  }
  const { joseSet, joseKey, raw, verifierFull, verifierHit } = best;

  // Figures: the median round of each variant.
  const figure = (variant: Variant) => {
    const list = reports[variant];
    return {
      rps: median(list.map(r => r.requestsPerSec)),
      p50: median(list.map(r => r.latency.p50)),
      p99: median(list.map(r => r.latency.p99)),
      cpu: median(list.map(r => r.cpuPerRequest)),
      requests: list.reduce((sum, r) => sum + r.requests, 0),
      bad: list.reduce((sum, r) => sum + r.non2xx + r.errors + r.timeouts, 0),
    };
  };
  const f = figure('f');
  const a = figure('a');
  const b = figure('b');
  const f0 = figure('f0');
  // paired: the ratio within each round, then the median over the rounds
  const ratio = (x: Variant, y: Variant) => median(reports[x].map((report, i) => report.requestsPerSec / reports[y][i]!.requestsPerSec));
  const aOverF = ratio('a', 'f');
  /** The same, from the server's CPU time a request (inverted: less CPU is more throughput). */
  const cpuRatio = (x: Variant, y: Variant) => median(reports[x].map((report, i) => report.cpuPerRequest / reports[y][i]!.cpuPerRequest));
  /** What verification adds to a request in process, said plainly when it is within the noise. */
  const adds = ({ appUs, floorUs }: { appUs: number; floorUs: number; ratio: number }) =>
    appUs - floorUs > 0.005 * floorUs ? `adds ${num(appUs - floorUs, 1)} µs a request` : `adds nothing measurable (${num(appUs - floorUs, 1)} µs a request)`;
  /** (max - min) / median of a variant's rounds. */
  const spread = (x: Variant) => {
    const list = reports[x].map(r => r.requestsPerSec);
    return (Math.max(...list) - Math.min(...list)) / median(list);
  };
  const bOverF = ratio('b', 'f');
  const fetchesA = serverStats.a.jwksFetches;
  const fetchesB = serverStats.b.jwksFetches;
  const anyBad = a.bad + b.bad + f.bad + f0.bad;
  const pass = aOverF >= 0.95 && fetchesA <= 1 && fetchesB <= 1 && anyBad === 0;

  const rows = variants.map(variant => {
    const x = figure(variant);
    return [labels[variant], num(x.rps), `${x.p50} ms`, `${x.p99} ms`, num(x.cpu), num(x.requests), num(x.bad)];
  });
  const roundRows = [
    ...variants.map(variant => [labels[variant].split(' ')[0]!, ...reports[variant].map(r => num(r.requestsPerSec))]),
    ['a/f', ...reports.a.map((r, i) => num(r.requestsPerSec / reports.f[i]!.requestsPerSec, 3))],
    ['a/f0', ...reports.a.map((r, i) => num(r.requestsPerSec / reports.f0[i]!.requestsPerSec, 3))],
    ['CPU µs a request (a / f)', ...reports.a.map((r, i) => `${num(r.cpuPerRequest)} / ${num(reports.f[i]!.cpuPerRequest)}`)],
  ];
  const bodyText = [
    `\`POST /chatkit\` \`threads.list\` (the user has ${seededThreads} threads), one real Better Auth JWT (1 h) for every request; ` +
      `autocannon ${connections} connections, ${durationSec} s measured after ${warmupSec} s of warm-up, ${rounds} round(s) with the order rotated, (a) and (f) in alternating slices (a f f a, f a a f, ...) within each; ` +
      'medians over the rounds; each ratio is the median of the ratios within a round.',
    '',
    table(['server', 'requests/s', 'p50', 'p99', 'server CPU µs a request', 'requests (all rounds)', 'non-2xx + errors'], rows),
    '',
    table(['ratio', 'value', 'budget'], [
      ['a/f (cache on vs the floor beside it)', num(aOverF, 3), '>= 0.95'],
      ['b/f (cache off vs that floor)', num(bOverF, 3), ''],
      ['CPU: f/a (server CPU a request, floor over cache on; 1 = free)', num(cpuRatio('f', 'a'), 3), ''],
      ['a/f0 (cache on vs the bare floor)', num(ratio('a', 'f0'), 3), ''],
      ['f/f0 (hosting Better Auth, verification aside)', num(ratio('f', 'f0'), 3), ''],
      ['CPU: f0/f', num(cpuRatio('f0', 'f'), 3), ''],
      ['jose/raw (jwtVerify with a local JWKS / raw Ed25519 verify)', num(joseSet / raw, 3), ''],
    ]),
    '',
    table(['in process, one core, nothing else running (best of 2 passes)', 'per second'], [
      ['jose `jwtVerify`, local JWKS (`createLocalJWKSet`), the server\'s real token and key', num(joseSet)],
      ['jose `jwtVerify`, the public `KeyObject` directly', num(joseKey)],
      ['raw Ed25519 `crypto.verify` of the same signature', num(raw)],
      ['the product\'s verifier, cache off (`bearerToken` + `verify`: jose with its remote-set wrapper)', num(verifierFull)],
      [`the product's verifier, cache hit (\`authenticate\` on a verified token, the app's path): ${num(1e6 / verifierHit, 2)} µs a request`, num(verifierHit)],
    ]),
    '',
    'In the app\'s own process, no HTTP, one request at a time: its fetch handler (the token verified) against the floor\'s request path ' +
      'built beside it on the same store, the same user\'s threads, the same process and JIT state ' +
      `(${num(abCount)} \`threads.list\` requests each, in ${abChunks} alternating chunks; medians over the chunks, floor/app the median ` +
      'of neighbouring chunks): what verification adds to a request and nothing else.',
    '',
    table(['in process', 'app handler µs a request', 'floor path µs a request', 'floor/app', 'verification adds'], (['a', 'b'] as const).map(variant => [
      labels[variant],
      num(ab[variant].appUs, 1),
      num(ab[variant].floorUs, 1),
      num(ab[variant].ratio, 3),
      `${num(ab[variant].appUs - ab[variant].floorUs, 1)} µs`,
    ])),
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
    `Machine: ${cpus().length} cores shared by the server process and the load generator (autocannon, one process)` +
      (canPin() ? `, pinned with taskset: the server on CPU ${SERVER_CPU} (its libuv threads too: jose's WebCrypto verify runs there), autocannon on CPU ${LOAD_CPU}. ` : ': each gets about one core. ') +
      'These are loopback figures for comparing the variants with each other, not the capacity of a real deployment. ' +
      'The floor mirrors app.ts\'s /chatkit route (Hono, CORS middleware, counters, the outer fetch wrapper) minus `verifier.verify`.',
    '',
    `Why the floor runs in (a)'s process. The budget asks what verification costs, so (f) differs from (a) in that alone: the same process ` +
      'state (Better Auth hosted and used: a sign-up and a token), the same store and responder, the same HTTP adaptor, its own port. ' +
      `The bare floor (f0) differs in a second way: it does not host Better Auth, and that costs a process ${num((cpuRatio('f', 'f0') - 1) * 100, 1)} % more ` +
      `server CPU a request (f/f0 throughput ${num(ratio('f', 'f0'), 3)}) whatever the route: Better Auth keeps up to three AsyncLocalStorage instances ` +
      '(request state, endpoint context, adapter transaction), and in Node 20, once one is in use, async_hooks promise hooks (promiseInitHook, _propagate) ' +
      'run for every promise of the whole process; ' +
      "profile with `BENCH_SERVER_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' node --import tsx bench/verify.ts`. A chat backend that only verifies " +
      `tokens against the JWKS, in a process without Better Auth, does not pay it. In process, with no HTTP, the cached verification ${adds(ab.a)} (floor/app ${num(ab.a.ratio, 3)}), ` +
      `and \`authenticate\` on a verified token (bearer parsing and the cache lookup) takes ${num(1e6 / verifierHit, 2)} µs in isolation: the cache does its job. ` +
      `Throughput of one variant varies by up to ${num(Math.max(...variants.map(spread)) * 100, 1)} % between rounds on this machine.`,
  ].join('\n');

  return {
    name: 'verify',
    title: '2. Verification cost',
    body: bodyText,
    pass,
    verdict: verdictLine(
      pass,
      `a/f = ${num(aOverF, 3)} over HTTP, the floor in the app's process (budget >= 0.95; b/f = ${num(bOverF, 3)}; against the bare floor without Better Auth ` +
        `a/f0 = ${num(ratio('a', 'f0'), 3)}); in process the cached verification ${adds(ab.a)} (floor/app ${num(ab.a.ratio, 3)}); ` +
        `JWKS fetched ${fetchesA} time(s) with the cache and ${fetchesB} without (budget 1)` +
        (anyBad ? `, ${anyBad} failed requests` : ''),
    ),
  };
}

function nonOk(stats: { chatResponsesByStatus: Record<number, number> }): number {
  return Object.entries(stats.chatResponsesByStatus).reduce((sum, [status, count]) => sum + (status === '200' ? 0 : count), 0);
}

standalone(import.meta.url, run);
