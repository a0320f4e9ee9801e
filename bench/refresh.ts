// Benchmark 3: the refresh schedule over 24 simulated hours.
//   node --import tsx bench/refresh.ts        (BENCH_REFRESH_SEED=n for another random day)
// The real TokenSource (src/token-source.ts) on a simulated clock (bench/lib/simulation.ts): 15-minute
// Better Auth tokens (iat in whole seconds, so 899 s of usable life from the request), a tab asleep
// at random for exactly 40% of the day (timers and messages wait; on waking, a `visible` wake-up),
// chat requests at random while awake, each calling getToken() and noting how long its token still
// had against the SERVER's expiry (exp) when it was sent. The device clock is off by a few minutes
// (the TokenSource reads lifetimes, not the server's clock). Counted: /token requests against the
// ideal (24 h / refresh interval), requests sent with a token expiring within 5 s (budget 0);
// then the same day with 10 widgets on the page (one shared TokenSource, as tokenSourceFor does) and
// with 3 tabs (3 TokenSources with in-memory Web Locks + BroadcastChannel, each its own sleep pattern).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { chromeArgs, findChrome } from '../scripts/find-chrome.mjs';
import { AuthChatKitError } from '../src/errors.js';
import { TokenSource } from '../src/token-source.js';
import { defaultPolicy } from '../src/token-timing.js';
import { num, seededRandom, setting, standalone, table, verdictLine } from './lib/common.js';
import type { BenchResult } from './lib/common.js';
import { PeerHub, Simulation } from './lib/simulation.js';
import type { SleepKind, Tab, WakeOrder } from './lib/simulation.js';

const TOKEN_SECONDS = 900;
const seed = setting('BENCH_REFRESH_SEED', 20_261_125, 20_261_125);
/** More random days (seeds seed+1...), summarised: the headline day is not a lucky one. */
const extraDays = setting('BENCH_REFRESH_DAYS', 20, 3);
const hours = setting('BENCH_REFRESH_HOURS', 24, 24);
const sleepShare = 0.4;
const meanAwakeMs = 30 * 60_000;
const meanAsleepMs = 20 * 60_000;
/** Mean gap between one widget's chat requests while its tab is awake. */
const meanChatGapMs = 60_000;
/** Chance that the user sends a message within a second of the tab waking (per widget and wake). */
const chatAtWakeChance = 0.5;
/** The device clock is 3 min 17 s ahead of the server's. */
const deviceSkewMs = 197_000;
/** A request sent with less than this left on the server's clock counts against the budget. */
const staleMs = 5_000;

// The refresh interval the TokenSource aims for: 80% of the usable lifetime (899 s: iat is whole
// seconds, one is taken off), no later than the leeway before expiry.
const lifetimeMs = (TOKEN_SECONDS - 1) * 1000;
const refreshIntervalMs = Math.min(lifetimeMs * defaultPolicy.refreshRatio, lifetimeMs - defaultPolicy.leewayMs);

type Interval = [from: number, to: number];

/** Alternating awake/asleep spells (awake first), scaled so the sleeping adds up to exactly `share` of the span. */
function sleepPattern(random: () => number, spanMs: number, share: number): Interval[] {
  const exp = (mean: number) => -Math.log(1 - random()) * mean;
  const awake: number[] = [];
  const asleep: number[] = [];
  let total = 0;
  while (total < spanMs) {
    const a = exp(meanAwakeMs);
    const s = Math.max(5_000, exp(meanAsleepMs));
    awake.push(a);
    asleep.push(s);
    total += a + s;
  }
  const awakeScale = ((1 - share) * spanMs) / awake.reduce((x, y) => x + y, 0);
  const asleepScale = (share * spanMs) / asleep.reduce((x, y) => x + y, 0);
  const intervals: Interval[] = [];
  let t = 0;
  for (let i = 0; i < awake.length; i++) {
    t += awake[i]! * awakeScale;
    const end = t + asleep[i]! * asleepScale;
    intervals.push([Math.round(t), Math.round(Math.min(end, spanMs))]);
    t = end;
  }
  return intervals.filter(([from, to]) => to > from && from < spanMs);
}

/** The spells when ALL of the patterns sleep (a page that is awake whenever any tab is). */
function intersect(patterns: Interval[][]): Interval[] {
  return patterns.reduce((acc, pattern) => {
    const out: Interval[] = [];
    for (const [a1, a2] of acc) for (const [b1, b2] of pattern) if (Math.max(a1, b1) < Math.min(a2, b2)) out.push([Math.max(a1, b1), Math.min(a2, b2)]);
    return out.sort((x, y) => x[0] - y[0]);
  });
}

const isAsleep = (pattern: Interval[], t: number) => pattern.some(([from, to]) => t >= from && t < to);

function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'EdDSA', kid: 'sim' })}.${part(claims)}.${Buffer.from('not verified here').toString('base64url')}`;
}

interface ScenarioSpec {
  label: string;
  tabs: { pattern: Interval[]; widgets: number }[];
  wakeOrder?: WakeOrder;
  sleepKind?: SleepKind;
  lockGrant?: 'task' | 'microtask';
}

interface ScenarioResult {
  label: string;
  tokenRequests: number;
  /** Requests made by a tab that had no token yet (its first). */
  firstTokens: number;
  /** Refreshes (not first tokens) that reached the server less than a refresh interval after the previous request: ahead of schedule, wasted. */
  early: number;
  chatRequests: number;
  stale: number;
  expired: number;
  failed: number;
  minLeftMs: number;
  waited: number;
  maxWaitMs: number;
  awakeShare: number;
  lockContended: number;
}

async function simulate(spec: ScenarioSpec, seed: number): Promise<ScenarioResult> {
  const spanMs = hours * 3600_000;
  const sim = new Simulation(spec.wakeOrder ?? 'queued-first', spec.sleepKind ?? 'frozen');
  const hub = new PeerHub(sim, spec.lockGrant ?? 'task');
  const random = seededRandom(seed ^ 0x5eed);
  const latency = () => 20 + random() * 130; // one way, ms
  const issued: { at: number; first: boolean }[] = [];
  const sent: { leftMs: number; waitMs: number }[] = [];
  let failed = 0;

  const sources: { tab: Tab; source: TokenSource; stops: (() => void)[] }[] = [];
  for (const { pattern, widgets } of spec.tabs) {
    const tab = sim.addTab(deviceSkewMs);
    for (const [from, to] of pattern) sim.sleep(tab, from, to);

    // whether this tab has had a token yet (its own or adopted from another tab)
    let hasToken = false;
    // GET /api/auth/token: out to the server (which never sleeps), minted on its clock, back to the tab.
    const fetchToken = ({ signal }: { signal: AbortSignal }) =>
      new Promise<string>((resolve, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        const first = !hasToken;
        sim.schedule(null, sim.now + latency(), () => {
          const iat = Math.floor(sim.now / 1000);
          issued.push({ at: sim.now, first });
          const token = jwt({ sub: 'user-1', name: 'Sim', iat, exp: iat + TOKEN_SECONDS, iss: 'http://127.0.0.1', aud: 'http://127.0.0.1' });
          sim.schedule(tab, sim.now + latency(), () => resolve(token));
        });
      });
    const source = new TokenSource({
      fetchToken,
      clock: tab.clock,
      random,
      wakeUps: tab.wakeUps,
      peers: spec.tabs.length > 1 ? hub.peersFor(tab) : null,
    });
    const stops: (() => void)[] = [];
    for (let w = 0; w < widgets; w++) {
      stops.push(
        source.subscribe(snapshot => {
          if (snapshot.expiresAt !== undefined) hasToken = true;
        }),
      );
    }
    sources.push({ tab, source, stops });

    // Chat requests: a Poisson stream per widget while the tab is awake, and now and then one right
    // after the tab wakes (the user comes back and types at once).
    const chat = () => {
      const askedAt = sim.now;
      source.getToken().then(
        token => {
          const { exp } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number };
          sent.push({ leftMs: exp * 1000 - sim.now, waitMs: sim.now - askedAt });
        },
        (error: unknown) => {
          if (!(error instanceof AuthChatKitError)) throw error;
          failed++;
        },
      );
    };
    for (let w = 0; w < widgets; w++) {
      let t = -Math.log(1 - random()) * meanChatGapMs;
      while (t < spanMs) {
        if (!isAsleep(pattern, t)) sim.schedule(tab, t, chat);
        t += -Math.log(1 - random()) * meanChatGapMs;
      }
      for (const [, to] of pattern) if (to < spanMs && random() < chatAtWakeChance) sim.schedule(tab, to + random() * 1000, chat);
    }
  }

  await sim.runUntil(spanMs);
  for (const { stops } of sources) for (const stop of stops) stop();

  const awakeMs = sources.reduce((sum, { tab }) => sum + (spanMs - tab.sleptMs - (tab.asleep ? spanMs - tab.sleptSince : 0)), 0);
  let early = 0;
  for (let i = 1; i < issued.length; i++) if (!issued[i]!.first && issued[i]!.at - issued[i - 1]!.at < refreshIntervalMs - 1_000) early++;
  const lefts = sent.map(s => s.leftMs);
  const waits = sent.map(s => s.waitMs).filter(w => w > 0);
  return {
    label: spec.label,
    tokenRequests: issued.length,
    firstTokens: issued.filter(request => request.first).length,
    early,
    chatRequests: sent.length + failed,
    stale: lefts.filter(left => left < staleMs).length,
    expired: lefts.filter(left => left <= 0).length,
    failed,
    minLeftMs: Math.min(...lefts),
    waited: waits.length,
    maxWaitMs: waits.length ? Math.max(...waits) : 0,
    awakeShare: awakeMs / (spanMs * sources.length),
    lockContended: hub.contended,
  };
}

/**
 * In Chromium: does an announcement that reached a tab while its main thread was busy run before a
 * Web Lock callback the tab asks for afterwards (the order the simulation's `task` lock grant
 * assumes)? Two same-origin pages; B blocks its main thread, A posts on a BroadcastChannel meanwhile,
 * B then asks for the lock. Returns the order seen in each repetition, or why it could not run.
 */
async function chromiumOrder(repetitions: number): Promise<{ version: string; orders: string[] } | { skipped: string }> {
  let executablePath: string;
  try {
    executablePath = process.env.CHROME_PATH ?? findChrome();
  } catch (error) {
    return { skipped: String(error instanceof Error ? error.message : error) };
  }
  const server = createServer((_request, response) => response.end('<!doctype html><title>order</title>'));
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const browser = await chromium.launch({ executablePath, args: chromeArgs });
  try {
    const context = await browser.newContext();
    const orders: string[] = [];
    for (let i = 0; i < repetitions; i++) {
      const [a, b] = [await context.newPage(), await context.newPage()];
      await a.goto(url);
      await b.goto(url);
      // a string: tsx's function-name helpers do not exist in the page
      await b.evaluate(`(() => {
        const log = (window.orderLog = []);
        new BroadcastChannel('order').onmessage = () => log.push('message');
        setTimeout(() => {
          const until = performance.now() + 400;
          while (performance.now() < until) {} // the message arrives meanwhile
          navigator.locks.request('order', { ifAvailable: true }, async () => { log.push('lock'); });
        }, 100);
      })()`);
      await a.waitForTimeout(300);
      await a.evaluate(`new BroadcastChannel('order').postMessage('token')`);
      await b.waitForFunction('window.orderLog.length === 2', null, { timeout: 5_000 });
      orders.push(((await b.evaluate('window.orderLog')) as string[]).join(' → '));
      await a.close();
      await b.close();
    }
    return { version: browser.version(), orders };
  } finally {
    await browser.close();
    server.close();
  }
}

function scenarios(seed: number) {
  const spanMs = hours * 3600_000;
  const patterns = [1, 2, 3].map(tab => sleepPattern(seededRandom(seed + tab * 7919), spanMs, sleepShare));
  const union = intersect(patterns); // asleep only when all three are
  const threeTabs = patterns.map(pattern => ({ pattern, widgets: 1 }));

  const specs = {
    reference: { label: 'reference: 1 tab, 1 widget, never asleep', tabs: [{ pattern: [], widgets: 1 }] },
    single: { label: '**1 tab, 1 widget**, asleep 40%', tabs: [{ pattern: patterns[0]!, widgets: 1 }] },
    widgets: { label: '**1 tab, 10 widgets** (one shared TokenSource), asleep 40%', tabs: [{ pattern: patterns[0]!, widgets: 10 }] },
    tabs: { label: '**3 tabs**, 1 widget each, each asleep 40% (own pattern)', tabs: threeTabs },
    tabsWakeFirst: { label: '3 tabs, a waking tab handles `visible` before what queued up while it slept', tabs: threeTabs, wakeOrder: 'wake-first' },
    tabsTimersOnly: { label: '3 tabs, asleep = only timers stop (messages still arrive)', tabs: threeTabs, sleepKind: 'timers' },
    tabsEagerLock: {
      label: '3 tabs, worst case: a waking tab\'s lock callback runs before the announcements queued while it slept',
      tabs: threeTabs,
      lockGrant: 'microtask',
    },
    union: { label: 'comparison for 3 tabs: 1 tab awake whenever any of the 3 is', tabs: [{ pattern: union, widgets: 1 }] },
  } satisfies Record<string, ScenarioSpec>;
  return { specs, patterns, union };
}

type Results = Record<keyof ReturnType<typeof scenarios>['specs'], ScenarioResult>;

async function day(seed: number, print = false): Promise<Results> {
  const { specs } = scenarios(seed);
  const results = {} as Results;
  for (const [key, spec] of Object.entries(specs) as [keyof Results, ScenarioSpec][]) {
    const started = performance.now();
    const result = await simulate(spec, seed);
    results[key] = result;
    if (print) {
      console.log(`  ${result.label.replace(/\*/g, '')}: ${result.tokenRequests} /token requests, ${result.stale} sent with < 5 s left (${Math.round(performance.now() - started)} ms)`);
    }
  }
  return results;
}

/**
 * The day's own verdicts: no stale sends, 10 widgets = 1, 3 tabs no more refreshes than one tab awake
 * as long as any (and no duplicates). Each tab opened fetches its own first token (see the body).
 */
function judge(results: Results) {
  const all = Object.values(results);
  const stale = all.reduce((sum, r) => sum + r.stale + r.failed, 0);
  const widgetsSame = results.widgets.tokenRequests === results.single.tokenRequests;
  const tabRuns = [results.tabs, results.tabsWakeFirst, results.tabsTimersOnly];
  const tabsEarly = tabRuns.reduce((sum, r) => sum + r.early, 0);
  const refreshes = (r: ScenarioResult) => r.tokenRequests - r.firstTokens;
  const tabsSame = tabsEarly === 0 && tabRuns.every(r => refreshes(r) <= refreshes(results.union));
  return { stale, widgetsSame, tabsEarly, tabsSame, pass: stale === 0 && widgetsSame && tabsSame };
}

export async function run(): Promise<BenchResult> {
  const spanMs = hours * 3600_000;
  const { patterns, union } = scenarios(seed);
  const results = await day(seed, true);
  const { reference, single, widgets, tabs, tabsWakeFirst, tabsTimersOnly, tabsEagerLock, union: unionTab } = results;
  const all = Object.values(results);
  const ideal = spanMs / refreshIntervalMs;
  const { stale, widgetsSame, tabsEarly, tabsSame } = judge(results);

  // More days, other random sleep patterns and chat arrivals.
  const others: { seed: number; results: Results; verdict: ReturnType<typeof judge> }[] = [];
  for (let i = 1; i <= extraDays; i++) {
    const results = await day(seed + i);
    others.push({ seed: seed + i, results, verdict: judge(results) });
  }
  const othersPassed = others.filter(o => o.verdict.pass).length;
  const range = (pick: (r: Results) => number) => {
    const values = others.map(o => pick(o.results));
    return values.length ? `${Math.min(...values)}-${Math.max(...values)}` : '-';
  };
  const pass = stale === 0 && widgetsSame && tabsSame && othersPassed === others.length;
  const order = await chromiumOrder(5);
  const orderLine =
    'skipped' in order
      ? `The order was not checked in a browser (${order.skipped}).`
      : `Checked in Chromium ${order.version} (headless, 5 times): a BroadcastChannel message that reached a tab while its main thread was busy, then a Web Lock ` +
        `asked for: ${[...new Set(order.orders)].map(o => `${o} (${order.orders.filter(x => x === o).length}x)`).join(', ')}. ` +
        'Whether a FROZEN tab\'s messages wait in the page like that or are held back until after it resumes could not be checked headless ' +
        '(CDP\'s Page.setWebLifecycleState does not freeze a visible headless page).';

  const rows = all.map(r => [
    r.label,
    `${num(r.awakeShare * 100, 1)} %`,
    r.tokenRequests,
    r.firstTokens,
    num(r.tokenRequests / ideal, 2),
    r.early,
    num(r.chatRequests),
    r.stale,
    r.expired,
    r.failed,
    `${num(r.minLeftMs / 1000, 1)} s`,
    `${r.waited} (max ${num(r.maxWaitMs)} ms)`,
  ]);
  const sleeps = patterns[0]!.map(([from, to]) => to - from);
  const anyAwake = (1 - spanOf(union) / spanMs) * 100;
  const body = [
    `${hours} simulated hours (seed ${seed}) with the real TokenSource; tokens of ${TOKEN_SECONDS / 60} min, refresh interval ${num(refreshIntervalMs / 1000, 1)} s ` +
      `(${defaultPolicy.refreshRatio * 100} % of ${lifetimeMs / 1000} s): the ideal is ${num(ideal, 1)} refreshes a day (+1 for the first token) for a page awake all day. ` +
      `Tab 1 sleeps ${patterns[0]!.length} times (${num(Math.min(...sleeps) / 60_000, 1)} to ${num(Math.max(...sleeps) / 60_000, 1)} min), ` +
      `${sleepShare * 100} % of the day, frozen while asleep (its timers, messages and network answers wait; on waking, a \`visible\` wake-up); ` +
      `chat requests every ${meanChatGapMs / 1000} s on average per widget while awake, plus one within a second of waking half the time; ` +
      `/token and chat latency 20-150 ms each way; device clock ${deviceSkewMs / 1000} s ahead of the server's.`,
    '',
    table(
      ['scenario', 'awake (per tab)', '/token requests', 'of them first tokens', 'vs ideal', 'refreshes ahead of schedule', 'chat requests', 'sent with < 5 s left', 'sent expired', 'getToken failed', 'least left when sent', 'waited for a refresh'],
      rows,
    ),
    '',
    '"first tokens": requests by a tab that had no token yet (the tabs open together at the start of the day). ' +
      '"refreshes ahead of schedule": other requests less than one refresh interval after the previous one (two tabs fetching for the same round). ' +
      '"least left when sent": exp on the server\'s clock minus the moment the chat request left.',
    '',
    `- **10 widgets vs 1**: ${widgets.tokenRequests} vs ${single.tokenRequests} /token requests (${widgetsSame ? 'the same' : 'NOT the same'}). ` +
      'The widgets subscribe to one TokenSource, whose schedule follows the clock and the wake-ups, not the number of subscribers or of chat requests ' +
      `(${num(widgets.chatRequests)} chat requests against ${num(single.chatRequests)}).`,
    `- **3 tabs vs 1**: ${tabs.tokenRequests} vs ${single.tokenRequests}. "The same" cannot mean the same number here: the three tabs sleep at different times, ` +
      `so some tab is awake ${num(anyAwake, 1)} % of the day instead of ${num((1 - sleepShare) * 100)} %, and whichever tab is awake keeps the token fresh for all. ` +
      `The like-for-like count is one tab awake whenever any of the three is: ${unionTab.tokenRequests}. ` +
      `The three tabs made ${tabs.tokenRequests} (${tabsWakeFirst.tokenRequests} with the other wake order, ${tabsTimersOnly.tokenRequests} when only timers stop), ` +
      `${tabsEarly === 0 ? 'no refresh ahead of schedule: one request per refresh round for all three tabs' : `${tabsEarly} refreshes ahead of schedule (duplicates)`}; ` +
      `a tab found the lock taken ${tabs.lockContended} times and adopted the holder's token instead. ` +
      `**The budget counts refreshes**: ${tabs.tokenRequests - tabs.firstTokens} against ${unionTab.tokenRequests - unionTab.firstTokens}; ` +
      `first tokens are one per tab opened (${tabs.firstTokens} against ${unionTab.firstTokens}). A tab's first token does not go through the cross-tab lock ` +
      '(src/token-source.ts, `#obtain`): a page cannot learn that a peer holds a token without a round trip to the browser process, and the lock\'s ' +
      'measured cost on the way to ready (bench/ready.ts with the first token locked, 2026-11-25: connected → token request 8.2 ms instead of 3.5, the grant ' +
      'waiting behind the page\'s own work) buys something only when tabs open at the same instant (a restored session), once. ' +
      'A tab opened later would fetch its own either way: peers announce refreshes, they do not answer newcomers.',
    `- **Sensitivity**: the no-duplicate result rests on one ordering. A waking tab whose timer is overdue starts a refresh; it asks for the lock, and the ` +
      'lock callback checks whether a token was adopted meanwhile (`fetchUnlessAdopted`). Web Locks run that callback as a task, behind the announcements ' +
      `already queued for the tab while it slept, so the fresh token is adopted first and nothing is fetched. If a browser ran the callback ahead of them, ` +
      `three tabs would make ${tabsEagerLock.tokenRequests} requests, ${tabsEagerLock.early} ahead of schedule (a waking tab refetching though a fresh token waits in its queue). ` +
      `Not counted in the verdict. ${orderLine}`,
    `- **${extraDays} more days** (seeds ${seed + 1}-${seed + extraDays}): ${othersPassed} of ${extraDays} meet every budget ` +
      `(stale sends in all: ${others.reduce((sum, o) => sum + o.verdict.stale, 0)}; 10 widgets = 1 widget on ${others.filter(o => o.verdict.widgetsSame).length}; ` +
      `3 tabs no more refreshes than the like-for-like tab, without duplicates, on ${others.filter(o => o.verdict.tabsSame).length}). /token requests per day: ` +
      `1 widget ${range(r => r.single.tokenRequests)}, 10 widgets ${range(r => r.widgets.tokenRequests)}, 3 tabs ${range(r => r.tabs.tokenRequests)}, ` +
      `like-for-like tab ${range(r => r.union.tokenRequests)}, worst task order ${range(r => r.tabsEagerLock.tokenRequests)}.`,
    `- The reference (never asleep) makes ${reference.tokenRequests} requests: the ideal ${num(ideal, 1)} plus the first token. A sleeping tab makes fewer (${single.tokenRequests}): ` +
      'no refresh while asleep, one on waking when the token is due.',
  ].join('\n');

  return {
    name: 'refresh',
    title: '3. Refresh schedule',
    body,
    pass,
    verdict: verdictLine(
      pass,
      `${stale} chat requests sent with a token expiring within 5 s (budget 0); /token requests in 24 h: 1 widget ${single.tokenRequests}, ` +
        `10 widgets ${widgets.tokenRequests} (${widgetsSame ? 'same' : 'not the same'}), 3 tabs ${tabs.tokenRequests - tabs.firstTokens} refreshes + ${tabs.firstTokens} first tokens (one per tab) ` +
        `against ${unionTab.tokenRequests - unionTab.firstTokens} + ${unionTab.firstTokens} for one tab awake as long as any of them (${tabsEarly === 0 ? 'no duplicate refreshes' : `${tabsEarly} duplicate refreshes`}; ` +
        `${tabsEagerLock.tokenRequests} in the worst task order); ideal ${num(ideal, 1)}; ${othersPassed}/${extraDays} more random days within budget`,
    ),
  };
}

const spanOf = (intervals: Interval[]) => intervals.reduce((sum, [from, to]) => sum + (to - from), 0);

standalone(import.meta.url, run);
