import { expect } from '@open-wc/testing';
import sinon from 'sinon';
import { AuthChatKitError } from '../../src/errors.js';
import { browserPeers } from '../../src/cross-tab.js';
import { betterAuthToken, providedToken } from '../../src/token-fetchers.js';
import { TokenSource, type TokenSnapshot } from '../../src/token-source.js';
import type { WakeReason, WakeSource } from '../../src/wake-ups.js';
import { FakeAuthServer } from './support/fake-auth-server.js';
import { fakeJwt } from './support/jwt.js';
import { advance as advanceTime, waitFor } from './support/time.js';

const second = 1_000;
const minute = 60 * second;
const authUrl = 'https://auth.example.test/api/auth';

/** A wake-up source the test fires by hand. */
function manualWakeUps(): WakeSource & { fire(reason: WakeReason): void; listening: boolean } {
  let listener: ((reason: WakeReason) => void) | undefined;
  const source = ((onWake: (reason: WakeReason) => void) => {
    listener = onWake;
    return () => (listener = undefined);
  }) as WakeSource & { fire(reason: WakeReason): void; listening: boolean };
  source.fire = reason => listener?.(reason);
  Object.defineProperty(source, 'listening', { get: () => listener !== undefined });
  return source;
}

describe('TokenSource', () => {
  let clock: sinon.SinonFakeTimers;
  let server: FakeAuthServer;
  let wakeUps: ReturnType<typeof manualWakeUps>;
  let unsubscribes: (() => void)[];

  const createSource = (options: Partial<ConstructorParameters<typeof TokenSource>[0]> = {}) =>
    new TokenSource({ fetchToken: betterAuthToken(authUrl, server.fetch), wakeUps, random: () => 0.5, ...options });

  const follow = (source: TokenSource) => {
    const snapshots: TokenSnapshot[] = [];
    unsubscribes.push(source.subscribe(snapshot => snapshots.push(snapshot)));
    return snapshots;
  };

  const advance = (ms: number, step?: number) => advanceTime(clock, ms, step);

  /** Times (ms after now) of each /token request during the next `ms`. */
  const requestTimes = async (ms: number, step?: number) => {
    const start = Date.now();
    const before = server.times.length;
    await advance(ms, step);
    return server.times.slice(before).map(time => time - start);
  };

  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: Date.UTC(2026, 10, 25, 9), toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    server = new FakeAuthServer();
    wakeUps = manualWakeUps();
    unsubscribes = [];
  });

  afterEach(() => {
    for (const unsubscribe of unsubscribes) unsubscribe();
    clock.restore();
  });

  describe('schedule', () => {
    it('gets a token from GET {auth-url}/token without cache, with credentials', async () => {
      const source = createSource();
      const token = await source.getToken();
      expect(token.split('.')).to.have.length(3);
      const [request] = server.requests;
      expect(request?.method).to.equal('GET');
      expect(request?.url).to.equal(`${authUrl}/token`);
      expect(request?.cache).to.equal('no-store');
      expect(request?.credentials).to.equal('include');
    });

    it('refreshes a 15-minute token after 80% of its lifetime (12 min), before expiry', async () => {
      const snapshots = follow(createSource());
      await advance(0);
      expect(snapshots.at(-1)?.state).to.equal('ready');
      expect(server.requests).to.have.length(1);
      const times = await requestTimes(25 * minute);
      // iat is whole seconds, so a second is taken off the lifetime: 0.8 * 899 s = 719.2 s
      expect(times).to.deep.equal([719_200, 2 * 719_200]);
    });

    it('refreshes no later than the leeway before expiry: 2-minute tokens at 60 s', async () => {
      server.lifetimeSeconds = 120;
      follow(createSource());
      await advance(0);
      const times = await requestTimes(3 * minute);
      // min(0.8 * 119 s, 119 s - 60 s) = 59 s
      expect(times).to.deep.equal([59 * second, 118 * second, 177 * second]);
    });

    it('takes a configured leeway: 5 minutes on a 15-minute token refreshes at 10 minutes', async () => {
      follow(createSource({ policy: { leewayMs: 5 * minute } }));
      await advance(0);
      const times = await requestTimes(11 * minute);
      // min(0.8 * 899 s, 899 s - 300 s) = 599 s
      expect(times).to.deep.equal([599 * second]);
    });

    for (const skew of [+10 * minute, -10 * minute]) {
      it(`keeps the same schedule with the device clock ${skew > 0 ? 'fast' : 'slow'} by 10 minutes`, async () => {
        server.deviceSkewMs = skew;
        const snapshots = follow(createSource());
        await advance(0);
        expect(snapshots.at(-1)?.state).to.equal('ready');
        const expiresIn = (snapshots.at(-1)?.expiresAt ?? 0) - Date.now();
        expect(expiresIn).to.equal(899 * second);
        const times = await requestTimes(25 * minute);
        expect(times).to.deep.equal([719_200, 2 * 719_200]);
      });
    }

    it('arms one timer at a time, clamped to setTimeout range for very long tokens', async () => {
      server.lifetimeSeconds = 60 * 24 * 3600; // 60 days
      follow(createSource());
      await advance(0);
      expect(clock.countTimers()).to.equal(1);
      await advance(25 * 24 * 3600 * second, 3600 * second); // past 2^31-1 ms: the early wake-up re-arms
      expect(server.requests).to.have.length(1);
      expect(clock.countTimers()).to.equal(1);
    });
  });

  describe('a token the backend refused', () => {
    it('getToken({ rejected }) refreshes first and hands out the new token', async () => {
      const source = createSource();
      const refused = await source.getToken();
      const fresh = await source.getToken({ rejected: refused });
      expect(server.requests).to.have.length(2);
      expect(fresh).to.not.equal(refused);
    });

    it('hands out the same token when the refresh brings it back (same claims, same second)', async () => {
      const same = server.token();
      server.always(() => Response.json({ token: same }));
      const source = createSource();
      const refused = await source.getToken();
      expect(await source.getToken({ rejected: refused })).to.equal(same);
      expect(server.requests, 'refreshed once, not looping').to.have.length(2);
    });
  });

  describe('single flight', () => {
    it('serves 50 concurrent getToken() calls with one request', async () => {
      const source = createSource();
      const tokens = await Promise.all(Array.from({ length: 50 }, () => source.getToken()));
      expect(server.requests).to.have.length(1);
      expect(new Set(tokens).size).to.equal(1);
    });

    it('makes one request per refresh for two subscribers', async () => {
      const source = createSource();
      const first = follow(source);
      const second_ = follow(source);
      await advance(0);
      expect(server.requests).to.have.length(1);
      await advance(50 * minute);
      expect(server.requests).to.have.length(5); // at 0 and about every 12 min
      expect(first.at(-1)).to.deep.equal(second_.at(-1));
    });
  });

  describe('sleeping tabs', () => {
    it('refreshes before resolving when the tab slept past expiry (timers did not run)', async () => {
      const source = createSource();
      follow(source);
      await advance(0);
      const stale = await source.getToken();
      clock.setSystemTime(Date.now() + 20 * minute); // time passes, no timer fires
      const fresh = await source.getToken();
      expect(fresh).to.not.equal(stale);
      expect(server.requests).to.have.length(2);
    });

    it('refreshes first when the held token expires within the minimum validity', async () => {
      const source = createSource();
      await source.getToken();
      clock.setSystemTime(Date.now() + 899 * second - 4 * second); // 4 s left: too close
      await source.getToken();
      expect(server.requests).to.have.length(2);
    });

    it('never resolves an expired token: rejects when the refresh fails', async () => {
      const source = createSource();
      await source.getToken();
      server.always('network-error');
      clock.setSystemTime(Date.now() + 16 * minute);
      const error = await source.getToken().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(AuthChatKitError);
      expect((error as AuthChatKitError).code).to.equal('network');
    });

    it('re-checks on wake-ups: visible, focus and online refresh a due token', async () => {
      const source = createSource();
      follow(source);
      await advance(0);
      for (const reason of ['visible', 'focus', 'online'] as const) {
        clock.setSystemTime(Date.now() + 13 * minute); // past the refresh point, timer not run
        const before = server.requests.length;
        wakeUps.fire(reason);
        await advance(0);
        expect(server.requests.length, reason).to.equal(before + 1);
      }
    });

    it('does not refresh on a wake-up when the token is fresh', async () => {
      follow(createSource());
      await advance(0);
      wakeUps.fire('focus');
      wakeUps.fire('visible');
      await advance(0);
      expect(server.requests).to.have.length(1);
    });
  });

  describe('failures', () => {
    it('retries 5xx with growing, capped, jittered delays and serves the valid token meanwhile', async () => {
      const randoms = [0.5, 1, 0.25, 1, 1, 1, 1, 1, 1, 1, 1];
      const source = createSource({ random: () => randoms.shift() ?? 1 });
      const snapshots = follow(source);
      await advance(0);
      const held = await source.getToken();
      server.always(503);
      await advance(719_200); // the scheduled refresh fails
      expect(snapshots.at(-1)?.state).to.equal('retrying');
      expect(snapshots.at(-1)?.error?.code).to.equal('server');
      expect(await source.getToken()).to.equal(held);
      const times = await requestTimes(3 * minute, 10);
      const delays = times.map((time, i) => time - (times[i - 1] ?? 0));
      // ceilings 1, 2, 4, 8, 16, 32, 60, 60 s times the jitter draws 0.5, 1, 0.25, 1, 1, ...;
      // each failure is seen at the end of a 10 ms step
      const expected = [500, 2_000, 1_000, 8_000, 16_000, 32_000, 60_000, 60_000];
      expect(delays).to.have.length(expected.length);
      delays.forEach((delay, i) => expect(delay).to.be.within(expected[i]!, expected[i]! + 10));
      server.always('token');
      await advance(61 * second);
      expect(snapshots.at(-1)?.state).to.equal('ready');
      expect(await source.getToken()).to.not.equal(held);
    });

    it('retries network errors the same way and recovers', async () => {
      server.reply('network-error', 'network-error', 'network-error');
      const snapshots = follow(createSource());
      await advance(0);
      expect(snapshots.at(-1)?.state).to.equal('retrying');
      expect(snapshots.at(-1)?.error?.code).to.equal('network');
      await advance(10 * second);
      expect(server.requests).to.have.length(4);
      expect(snapshots.at(-1)?.state).to.equal('ready');
    });

    it('retries at once when the browser comes back online', async () => {
      server.reply('network-error');
      const snapshots = follow(createSource({ random: () => 1 }));
      await advance(0);
      expect(snapshots.at(-1)?.state).to.equal('retrying');
      wakeUps.fire('online');
      await advance(0);
      expect(snapshots.at(-1)?.state).to.equal('ready');
    });

    for (const draw of [0, 0.9999]) {
      it(`with no token held, is back within 3 s of the server's recovery (random draws at ${draw})`, async () => {
        const start = Date.now();
        server.always(() => (Date.now() - start < 12 * second ? Response.json({ message: 'down' }, { status: 503 }) : Response.json({ token: server.token() })));
        const snapshots = follow(createSource({ random: () => draw }));
        await advance(0);
        expect(snapshots.at(-1)?.state).to.equal('retrying');
        let readyAt: number | undefined;
        for (let t = 0; t < 30 * second && readyAt === undefined; t += 100) {
          await advance(100, 100);
          if (snapshots.at(-1)?.state === 'ready') readyAt = Date.now() - start;
        }
        expect(readyAt, 'ready at all').to.not.equal(undefined);
        expect(readyAt).to.be.within(12 * second, 15 * second + 100);
        // never a tight loop: at least 100 ms between attempts
        const gaps = server.times.slice(1).map((time, i) => time - server.times[i]!);
        expect(Math.min(...gaps)).to.be.at.least(100);
      });
    }

    for (const reason of ['visible', 'focus', 'online'] as const) {
      it(`with no token held and the server failing, retries at once when ${reason}`, async () => {
        server.reply(503);
        const snapshots = follow(createSource({ random: () => 1 }));
        await advance(0);
        expect(snapshots.at(-1)?.state).to.equal('retrying');
        wakeUps.fire(reason);
        await advance(0);
        expect(server.requests).to.have.length(2);
        expect(snapshots.at(-1)?.state).to.equal('ready');
      });
    }

    it('keeps the long backoff, and waits out wake-ups, while a valid token is still served', async () => {
      const snapshots = follow(createSource({ random: () => 1 }));
      await advance(0);
      server.always(503);
      await advance(719_200 + 1_000 + 2_000 + 4_000 + 8_000 + 16_000); // the refresh and 5 retries fail
      expect(snapshots.at(-1)?.state).to.equal('retrying');
      const before = server.requests.length;
      wakeUps.fire('focus');
      wakeUps.fire('visible');
      await advance(31 * second);
      expect(server.requests.length, 'the next retry is 32 s away').to.equal(before);
    });

    it('gives up on a request that hangs and retries', async () => {
      server.reply('hang');
      const snapshots = follow(createSource());
      await advance(15 * second);
      expect(snapshots.at(-1)?.error?.code).to.equal('network');
      await advance(2 * second);
      expect(snapshots.at(-1)?.state).to.equal('ready');
    });

    it('treats 401 as signed out: a handful of requests at most over 10 minutes', async () => {
      server.always(401);
      const source = createSource();
      const snapshots = follow(source);
      await advance(0);
      expect(snapshots.at(-1)?.state).to.equal('signed-out');
      expect(snapshots.at(-1)?.error?.code).to.equal('unauthorized');
      for (let i = 0; i < 600; i++) {
        if (i % 5 === 0) wakeUps.fire('focus'); // a user clicking around: rate-limited probes
        await advance(second);
      }
      expect(server.requests.length).to.be.within(1, 61);
      const withoutFocus = server.requests.length;
      await advance(10 * minute);
      expect(server.requests.length).to.equal(withoutFocus);
    });

    it('treats 403 as signed out and resumes on refresh()', async () => {
      server.reply(403);
      const source = createSource();
      const snapshots = follow(source);
      await advance(0);
      expect(snapshots.at(-1)?.state).to.equal('signed-out');
      await advance(30 * minute);
      expect(server.requests).to.have.length(1);
      await source.refresh();
      expect(snapshots.at(-1)?.state).to.equal('ready');
    });

    it('resumes when the page becomes visible again after signing in elsewhere', async () => {
      server.reply(401);
      const snapshots = follow(createSource());
      await advance(minute);
      wakeUps.fire('visible');
      await advance(0);
      expect(snapshots.at(-1)?.state).to.equal('ready');
    });

    it("follows the host app's Better Auth client: a session change in another tab refreshes at once", async () => {
      const snapshots = follow(createSource());
      await advance(0);
      expect(snapshots.at(-1)?.state).to.equal('ready');
      server.always(401);
      wakeUps.fire('session'); // signed out elsewhere
      await advance(0);
      expect(snapshots.at(-1)?.state).to.equal('signed-out');
      server.always('token');
      wakeUps.fire('session'); // no probe rate limit: the app says something changed
      await advance(0);
      expect(snapshots.at(-1)?.state).to.equal('ready');
      expect(server.requests).to.have.length(3);
    });

    const malformed: [string, () => Response, string][] = [
      ['HTML', () => new Response('<!doctype html><title>Sign in</title>', { headers: { 'content-type': 'text/html' } }), 'bad-response'],
      ['{}', () => Response.json({}), 'bad-response'],
      ['a token that is not a JWT', () => Response.json({ token: 'not-a-jwt' }), 'malformed-token'],
      ['a JWT without exp', () => Response.json({ token: fakeJwt({ sub: 'u', iat: 1 }) }), 'token-without-expiry'],
      ['an already expired JWT', () => Response.json({ token: fakeJwt({ sub: 'u', iat: 100, exp: 100 }) }), 'token-expired'],
    ];
    for (const [what, respond, code] of malformed) {
      it(`reports ${what} as "${code}", backing off, never in a tight loop`, async () => {
        server.always(respond);
        const snapshots = follow(createSource());
        await advance(0);
        expect(snapshots.at(-1)?.state).to.equal('error');
        expect(snapshots.at(-1)?.error?.code).to.equal(code);
        await advance(10 * minute);
        expect(server.requests.length).to.be.within(2, 30);
      });
    }

    it('reports an unexpected status as a server error', async () => {
      server.reply(404);
      const snapshots = follow(createSource());
      await advance(0);
      expect(snapshots.at(-1)?.error?.code).to.equal('server');
    });
  });

  describe('cleanup', () => {
    it('leaves no timer, listener or request behind after the last unsubscribe', async () => {
      const source = createSource();
      const stop = source.subscribe(() => {});
      await advance(0);
      expect(clock.countTimers()).to.equal(1);
      expect(wakeUps.listening).to.equal(true);
      stop();
      expect(clock.countTimers()).to.equal(0);
      expect(wakeUps.listening).to.equal(false);
      await advance(60 * minute);
      expect(server.requests).to.have.length(1);
    });

    it('aborts an in-flight request when the last subscriber leaves', async () => {
      server.reply('hang');
      const source = createSource();
      const stop = source.subscribe(() => {});
      await advance(0);
      const [request] = server.requests;
      stop();
      expect(request?.signal.aborted).to.equal(true);
      expect(clock.countTimers()).to.equal(0);
    });

    it('starts again on a new subscriber, reusing a fresh token', async () => {
      const source = createSource();
      const stop = source.subscribe(() => {});
      await advance(0);
      stop();
      const snapshots = follow(source);
      expect(snapshots.at(-1)?.state).to.equal('ready');
      expect(server.requests).to.have.length(1);
    });
  });

  describe('token providers', () => {
    it('are told when the backend refused their last token, and may not return it again', async () => {
      const contexts: { signal: AbortSignal; rejected: boolean }[] = [];
      let cached = server.token();
      const source = createSource({ fetchToken: providedToken(context => (contexts.push(context), cached)) });
      follow(source);
      await advance(0);
      const first = await source.getToken();
      expect(contexts.map(context => context.rejected)).to.deep.equal([false]);
      expect(contexts[0]!.signal).to.be.instanceOf(AbortSignal);
      const refused = source.getToken({ rejected: first });
      const error = await refused.then(() => undefined, (reason: unknown) => reason as AuthChatKitError);
      expect(contexts.map(context => context.rejected)).to.deep.equal([false, true]);
      expect(error?.code).to.equal('token-provider-stale');
      cached = server.token(); // a provider bypassing its cache
      expect(await source.getToken({ rejected: first })).to.equal(cached);
      expect(contexts.at(-1)?.rejected).to.equal(true);
    });
  });

  describe('across tabs', () => {
    it("announces a tab's first token, not its first failure or sign-out: a sign-in here makes the others ready", async () => {
      const announced: string[] = [];
      const peers = { ifIdle: async <T>(work: () => Promise<T>) => work(), announce: (message: { type: string }) => announced.push(message.type), listen: () => () => {} };
      server.reply(401, 503);
      const source = createSource({ peers, random: () => 0 });
      const snapshots = follow(source);
      await advance(0);
      expect(snapshots.at(-1)?.state).to.equal('signed-out');
      await source.refresh().catch(() => {});
      await advance(0);
      expect(snapshots.at(-1)?.state).to.equal('retrying');
      await advance(second);
      expect(snapshots.at(-1)?.state).to.equal('ready');
      expect(announced).to.deep.equal(['token']);
    });

    it('a signed-out tab adopts the token another tab announces', async () => {
      const name = `test-${Math.random()}`;
      server.reply(401, 401);
      const tabA = createSource({ peers: browserPeers(name), wakeUps: null });
      const tabB = createSource({ peers: browserPeers(name), wakeUps: null });
      const seenA = follow(tabA);
      const seenB = follow(tabB);
      await advance(0);
      await waitFor(() => seenA.at(-1)?.state === 'signed-out' && seenB.at(-1)?.state === 'signed-out');
      await tabA.refresh(); // the user signed in in tab A
      await waitFor(() => seenB.at(-1)?.state === 'ready');
      expect(seenB.at(-1)?.expiresAt).to.equal(seenA.at(-1)?.expiresAt);
      expect(server.requests).to.have.length(3);
    });

    it('two peers share one refresh and both hold the new token', async () => {
      const name = `test-${Math.random()}`;
      const tabA = createSource({ peers: browserPeers(name), wakeUps: null });
      const tabB = createSource({ peers: browserPeers(name), wakeUps: null });
      const seenA = follow(tabA);
      await advance(0);
      await waitFor(() => seenA.at(-1)?.state === 'ready');
      const seenB = follow(tabB);
      await waitFor(() => seenB.at(-1)?.state === 'ready');
      const initial = server.requests.length; // B may fetch its own first token
      expect(initial).to.be.within(1, 2);
      // Both are due at the same moment (80% of 15 min). Fake time stops there: the lock and the
      // announcement travel in real time, and a fake clock running on could time out the waiting
      // tab and make it fetch too.
      await advance(12 * minute);
      await waitFor(() => server.requests.length === initial + 1 && seenA.at(-1)?.expiresAt === seenB.at(-1)?.expiresAt);
      const [a, b] = await Promise.all([tabA.getToken(), tabB.getToken()]);
      expect(a).to.equal(b);
      expect(server.requests).to.have.length(initial + 1);
    });
  });
});
