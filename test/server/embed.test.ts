// The any-site sign-in, server side: the chatkitEmbed Better Auth plugin (auth-chatkit/better-auth)
// in the real demo backend. The hand-off page, attempts bound to one allow-listed origin and to the
// element's secret verifier (PKCE-style), the redeem for a partitioned cookie or a bearer credential,
// what that credential can and cannot do (beside bearer(), multiSession(), a cookie cache, in every
// order), sign-out, preflights, and the element's script served to other sites.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { betterAuth, type BetterAuthPlugin } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { bearer, jwt, multiSession } from 'better-auth/plugins';
import { chatkitEmbed, type ChatkitEmbedOptions } from '../../src/server/better-auth.js';
import { address, chatkit, decodePart, LIMIT, signUp, startTestServer, type TestServer } from './helpers.js';

const SITE = 'http://docs.example';
const OTHER_SITE = 'http://shop.example';
const EVIL = 'http://evil.example';
const json = { 'Content-Type': 'application/json' };

/** A sign-in attempt as the element makes one: an id, a secret verifier, its S256 challenge. */
function newAttempt() {
  const id = randomBytes(32).toString('base64url');
  const verifier = randomBytes(32).toString('base64url');
  return { id, verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}
type Attempt = ReturnType<typeof newAttempt>;
const cookieOf = (response: Response, name: string) => response.headers.getSetCookie().find(line => line.startsWith(`better-auth.${name}=`))?.split(';')[0];

/** The plugin's flow against any handler: register, approve (first-party), redeem. */
function flow(call: (path: string, init?: RequestInit) => Promise<Response>, firstParty: string) {
  /** The probe cookie, as a browser that keeps partitioned cookies sends it back. */
  const probe = async () => cookieOf(await call('/embed/probe', { headers: { Origin: SITE } }), 'chatkit_embed_probe')!;
  const register = (attempt: Attempt, origin = SITE, cookie?: string) =>
    call('/embed/attempt', {
      method: 'POST',
      headers: { ...json, Origin: origin, ...(cookie && { Cookie: cookie }) },
      body: JSON.stringify({ attempt: attempt.id, challenge: attempt.challenge }),
    });
  const approve = (cookie: string, attempt: Attempt, origin = SITE) =>
    call('/embed/approve', { method: 'POST', headers: { ...json, Origin: firstParty, Cookie: cookie }, body: JSON.stringify({ origin, attempt: attempt.id }) });
  const redeem = (attempt: Attempt, { origin = SITE, cookie, verifier = attempt.verifier }: { origin?: string; cookie?: string; verifier?: string } = {}) =>
    call('/embed/redeem', { method: 'POST', headers: { ...json, Origin: origin, ...(cookie && { Cookie: cookie }) }, body: JSON.stringify({ attempt: attempt.id, verifier }) });
  /** A whole sign-in; `kept`: whether the browser kept the probe cookie (CHIPS). Returns the headers that carry the credential. */
  const signIn = async (cookie: string, kept: boolean): Promise<Record<string, string>> => {
    const attempt = newAttempt();
    const registered = await register(attempt, SITE, kept ? await probe() : undefined);
    assert.equal(registered.status, 200, await registered.clone().text());
    assert.equal((await approve(cookie, attempt)).status, 200);
    const redeemed = await redeem(attempt);
    const answer = (await redeemed.json()) as { credential: string; token?: string };
    assert.equal(answer.credential, kept ? 'cookie' : 'bearer', JSON.stringify(answer));
    return kept ? { Cookie: cookieOf(redeemed, 'chatkit_embed')! } : { 'Chatkit-Embed-Credential': answer.token! };
  };
  return { probe, register, approve, redeem, signIn };
}

describe('any-site sign-in: the chatkitEmbed plugin', LIMIT, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { ALLOWED_ORIGINS: `${SITE},${OTHER_SITE}` }, config: { embedCodeExpiresIn: 2 } });
  });
  after(() => server.stop());

  const auth = (path: string) => `${address(server)}/api/auth${path}`;
  const page = (origin: string, cookie?: string, attempt = newAttempt().id) =>
    fetch(auth(`/embed?${new URLSearchParams({ origin, attempt })}`), { headers: cookie ? { Cookie: cookie } : {} });
  const the = () => flow((path, init) => fetch(auth(path), init), server.url);
  const jwtWith = (headers: Record<string, string>) => fetch(auth('/embed/token'), { headers: { Origin: SITE, ...headers } });
  const database = <T>(run: (db: Database.Database) => T): T => {
    const db = new Database(server.databasePath);
    try {
      return run(db);
    } finally {
      db.close();
    }
  };

  test('the hand-off page: no-store, no referrer, cannot be framed, its own script only, COOP unsafe-none of its own', async () => {
    const attempt = newAttempt().id;
    const response = await page(SITE, undefined, attempt);
    assert.equal(response.status, 200);
    const html = await response.text();
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
    assert.equal(response.headers.get('cross-origin-opener-policy'), 'unsafe-none', 'a COOP the server sends everywhere would sever window.opener');
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /script-src 'sha256-[\w+/=]+';/, 'scripts by hash only: no unsafe-inline, no hosts');
    assert.match(csp, /default-src 'none'/);
    assert.match(html, /<form id="sign-in">/, 'signed out: the sign-in form');
    assert.ok(html.includes(`"origin":"${SITE}"`) && html.includes(`"attempt":"${attempt}"`));
    assert.match(html, /lost its link to .*Cross-Origin-Opener-Policy/, 'the page says, without an opener, what the site owner must change');
    assert.ok(!/[?&](code|token|verifier)=/.test(response.url + html), 'no code, verifier or token in any URL');
  });

  test('signed in first-party, it asks "Continue to chat on <site> as <name>?"', async () => {
    const account = await signUp(server, 'Ada <Lovelace>');
    const html = await (await page(SITE, account.cookie)).text();
    assert.match(html, /Continue to chat on <strong>docs\.example<\/strong> as <strong>Ada &#60;Lovelace&#62;<\/strong>\?/);
  });

  test('refuses an origin that is not allow-listed, or a missing attempt: 400 and no script at all', async () => {
    for (const response of [await page(EVIL), await page(`${SITE}/path`), await page(SITE, undefined, 'short')]) {
      assert.equal(response.status, 400);
      const html = await response.text();
      assert.ok(!html.includes('<script'), 'no script');
      assert.doesNotMatch(response.headers.get('content-security-policy') ?? '', /script-src/);
      assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    }
  });

  test('an attempt is registered from an allowed origin, once; the probe cookie, if kept, settles its credential then', async () => {
    const probed = await fetch(auth('/embed/probe'), { headers: { Origin: SITE } });
    assert.match(probed.headers.getSetCookie()[0] ?? '', /^better-auth\.chatkit_embed_probe=1; Max-Age=60; Path=\/api\/auth; HttpOnly; Secure; SameSite=None; Partitioned/);
    const attempt = newAttempt();
    const registered = await the().register(attempt, SITE, cookieOf(probed, 'chatkit_embed_probe'));
    assert.equal(registered.status, 200);
    assert.equal(registered.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await registered.json(), { expiresIn: 1800 });
    assert.match(registered.headers.getSetCookie()[0] ?? '', /^better-auth\.chatkit_embed_probe=;.*Max-Age=0/, 'the probe is cleared');
    assert.equal((await the().register(attempt)).status, 400, 'an id in use cannot be taken over with another challenge');
    assert.equal((await the().register(newAttempt(), EVIL)).status, 403);
    assert.equal((await the().register({ ...newAttempt(), challenge: 'short' })).status, 400);
  });

  test('approval needs a first-party session, an allow-listed origin and the attempt registered for it', async () => {
    const account = await signUp(server);
    const attempt = newAttempt();
    await the().register(attempt);
    assert.equal((await the().approve('', attempt)).status, 401);
    assert.equal((await the().approve(account.cookie, attempt, EVIL)).status, 400);
    assert.equal((await the().approve(account.cookie, attempt, OTHER_SITE)).status, 400, 'registered for another origin');
    const unknown = await the().approve(account.cookie, newAttempt());
    assert.equal(unknown.status, 400);
    assert.equal(((await unknown.json()) as { code: string }).code, 'INVALID_ATTEMPT');
  });

  test('redeemed once, only with the verifier of the attempt that asked, from its origin, before it expires', async () => {
    const account = await signUp(server);
    const attempt = newAttempt();
    await the().register(attempt);
    assert.deepEqual(await (await the().redeem(attempt)).json(), { pending: true, severed: false }, 'not approved yet');
    // the hand-off page, loaded without an opener, says so: the element then keeps polling after the popup reads closed
    const severed = await fetch(auth('/embed/severed'), { method: 'POST', headers: { ...json, Origin: server.url }, body: JSON.stringify({ attempt: attempt.id }) });
    assert.equal(severed.status, 200);
    assert.deepEqual(await (await the().redeem(attempt)).json(), { pending: true, severed: true });
    assert.equal((await the().approve(account.cookie, attempt)).status, 200);
    // a script on the page that heard of the approval (or read the attempt id) has no verifier
    for (const verifier of [newAttempt().verifier, attempt.challenge, '']) {
      const stolen = await the().redeem(attempt, { verifier });
      assert.equal(stolen.status, 400);
      assert.equal(((await stolen.json()) as { code: string }).code, 'INVALID_ATTEMPT');
    }
    assert.equal((await the().redeem(attempt, { origin: OTHER_SITE })).status, 400, 'another allowed origin cannot redeem it');
    assert.equal((await the().redeem(attempt, { origin: EVIL })).status, 403, 'an unknown origin is refused outright');
    assert.equal((await the().redeem(attempt)).status, 200, 'the element, with its verifier');
    assert.equal((await the().redeem(attempt)).status, 400, 'once');

    const late = newAttempt();
    await the().register(late);
    await the().approve(account.cookie, late);
    await new Promise(resolve => setTimeout(resolve, 2_100));
    assert.equal((await the().redeem(late)).status, 400, 'expired');
  });

  test('a sign-out (or revocation) of the approving session voids its approved attempts', async () => {
    const account = await signUp(server);
    const attempt = newAttempt();
    await the().register(attempt);
    await the().approve(account.cookie, attempt);
    const out = await fetch(auth('/sign-out'), { method: 'POST', headers: { Cookie: account.cookie, Origin: server.url, ...json }, body: '{}' });
    assert.equal(out.status, 200);
    assert.equal((await the().redeem(attempt)).status, 400);
  });

  test('a bearer credential gives a JWT the chat verifier accepts, and nothing else', async () => {
    const account = await signUp(server, 'Grace');
    const headers = await the().signIn(account.cookie, false);
    const token = headers['Chatkit-Embed-Credential']!;
    const answer = await jwtWith(headers);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    const { token: jwt } = (await answer.json()) as { token: string };
    assert.equal(decodePart(jwt, 1).sub, account.userId);
    assert.equal((await chatkit(server, jwt, { type: 'threads.list', params: {} })).status, 200);

    // nowhere else: the credential cannot read or change the account, however it is sent
    for (const as of [headers, { Authorization: `Bearer ${token}` }, { Cookie: `better-auth.session_token=${encodeURIComponent(token)}` }]) {
      assert.equal(await (await fetch(auth('/get-session'), { headers: as })).text(), 'null');
      assert.equal((await fetch(auth('/token'), { headers: as })).status, 401);
      assert.equal((await fetch(auth('/list-sessions'), { headers: { ...as, Origin: server.url } })).status, 401);
      const update = await fetch(auth('/update-user'), { method: 'POST', headers: { ...as, ...json, Origin: server.url }, body: JSON.stringify({ name: 'Mallory' }) });
      assert.equal(update.status, 401);
    }
    const forged = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    assert.equal((await jwtWith({ 'Chatkit-Embed-Credential': forged })).status, 401);
    assert.equal((await jwtWith({ Cookie: `better-auth.chatkit_embed=${token}` })).status, 401, 'a bearer is no cookie credential');
    assert.match(token, /^[\w-]{43}$/, 'a random secret of its own, not a signed session token');
  });

  test('a bearer session lasts bearerExpiresIn (8 hours by default), never extended', async () => {
    const account = await signUp(server);
    const headers = await the().signIn(account.cookie, false);
    const [row] = database(db => db.prepare('SELECT expiresAt FROM session WHERE userId = ? AND embedOrigin IS NOT NULL').all(account.userId)) as { expiresAt: string }[];
    assert.ok(Math.abs(new Date(row!.expiresAt).getTime() - (Date.now() + 8 * 3_600_000)) < 60_000, row!.expiresAt);
    database(db => db.prepare('UPDATE session SET expiresAt = ? WHERE userId = ? AND embedOrigin IS NOT NULL').run(new Date(Date.now() + 60_000).toISOString(), account.userId));
    assert.equal((await jwtWith(headers)).status, 200);
    const [after] = database(db => db.prepare('SELECT expiresAt FROM session WHERE userId = ? AND embedOrigin IS NOT NULL').all(account.userId)) as { expiresAt: string }[];
    assert.ok(new Date(after!.expiresAt).getTime() < Date.now() + 120_000, 'not extended');
  });

  test('with the probe cookie kept (CHIPS) at the start: an HttpOnly partitioned cookie, however slow the sign-in and whoever redeems; never a token in the body', async () => {
    const account = await signUp(server);
    const attempt = newAttempt();
    await the().register(attempt, SITE, await the().probe());
    await the().approve(account.cookie, attempt);
    // no cookie with the redeem: the probe long gone, or a script with the verifier leaving credentials out
    const answer = await the().redeem(attempt);
    assert.deepEqual(await answer.json(), { credential: 'cookie' });
    const cookies = answer.headers.getSetCookie();
    const embed = cookies.find(line => line.startsWith('better-auth.chatkit_embed='));
    assert.ok(embed, cookies.join('\n'));
    assert.match(embed, /Max-Age=604800; Path=\/api\/auth; HttpOnly; Secure; SameSite=None; Partitioned/);

    const jwt = await jwtWith({ Cookie: embed.split(';')[0]! });
    assert.equal(jwt.status, 200);
    assert.equal(jwt.headers.getSetCookie().length, 0, 'no cookie set');
  });

  test('a sliding session re-sets the partitioned cookie, never Better Auth’s own', async () => {
    const account = await signUp(server);
    const headers = await the().signIn(account.cookie, true);
    // five days left of seven: due for renewal
    database(db => db.prepare('UPDATE session SET expiresAt = ? WHERE embedOrigin IS NOT NULL AND userId = ?').run(new Date(Date.now() + 5 * 86_400_000).toISOString(), account.userId));
    const refreshed = await jwtWith(headers);
    assert.equal(refreshed.status, 200);
    assert.equal(refreshed.headers.get('set-auth-token'), null);
    const cookies = refreshed.headers.getSetCookie();
    assert.equal(cookies.length, 1, cookies.join('\n'));
    assert.match(cookies[0]!, /^better-auth\.chatkit_embed=.*Max-Age=604800; Path=\/api\/auth; HttpOnly; Secure; SameSite=None; Partitioned/);
  });

  test('sign-out ends the embedded session (cookie or bearer), clears its cookie, sets no first-party cookie', async () => {
    const account = await signUp(server);
    for (const kept of [false, true]) {
      const headers = await the().signIn(account.cookie, kept);
      // due for renewal: an ending that read Better Auth's session would re-set its cookie
      database(db => db.prepare('UPDATE session SET expiresAt = ? WHERE embedOrigin IS NOT NULL AND userId = ?').run(new Date(Date.now() + 3_600_000).toISOString(), account.userId));
      const out = await fetch(auth('/embed/sign-out'), { method: 'POST', headers: { ...headers, ...json, Origin: SITE }, body: '{}' });
      assert.equal(out.status, 200);
      const cookies = out.headers.getSetCookie();
      assert.deepEqual(cookies.map(line => line.split('=')[0]), ['better-auth.chatkit_embed'], cookies.join('\n'));
      assert.match(cookies[0]!, /Max-Age=0.*Partitioned/);
      assert.equal((await jwtWith(headers)).status, 401);
    }
    assert.equal((await fetch(auth('/token'), { headers: { Cookie: account.cookie } })).status, 200, 'the first-party session is not the embed’s to end');
  });

  test('signing out on the auth site ends the embedded sessions that session approved', async () => {
    const account = await signUp(server);
    const headers = await the().signIn(account.cookie, false);
    const out = await fetch(auth('/sign-out'), { method: 'POST', headers: { Cookie: account.cookie, Origin: server.url, ...json }, body: '{}' });
    assert.equal(out.status, 200);
    assert.equal((await jwtWith(headers)).status, 401);
  });

  test('preflights: allowed origins with credentials, unknown ones refused', async () => {
    const preflight = (origin: string) =>
      fetch(auth('/embed/redeem'), { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type, chatkit-embed-credential' } });
    const allowed = await preflight(SITE);
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers.get('access-control-allow-origin'), SITE);
    assert.equal(allowed.headers.get('access-control-allow-credentials'), 'true');
    assert.match(allowed.headers.get('access-control-allow-headers') ?? '', /Chatkit-Embed-Credential/);
    const unknown = await preflight(EVIL);
    assert.equal(unknown.status, 403);
    assert.equal(unknown.headers.get('access-control-allow-origin'), null);
  });

  test('the element’s script and the stand-in load as module scripts on allowed sites, exactly those', async () => {
    for (const file of ['/auth-chatkit.js', '/chatkit-stand-in.js']) {
      const allowed = await fetch(`${address(server)}${file}`, { headers: { Origin: SITE } });
      assert.equal(allowed.headers.get('access-control-allow-origin'), SITE, file);
      assert.match(allowed.headers.get('vary') ?? '', /Origin/);
      const stranger = await fetch(`${address(server)}${file}`, { headers: { Origin: EVIL } });
      assert.equal(stranger.headers.get('access-control-allow-origin'), null, file);
    }
  });
});

describe('any-site sign-in: the plugin in a Better Auth server of its own', LIMIT, () => {
  const baseURL = 'http://auth.example';

  /** A Better Auth server on an in-memory database with `plugins`, a signed-up user and the plugin's flow. */
  async function authServer(plugins: BetterAuthPlugin[], extra: Partial<Parameters<typeof betterAuth>[0]> = {}) {
    const auth = betterAuth({
      baseURL,
      secret: 'a-test-secret-of-at-least-32-characters!',
      database: new Database(':memory:'),
      emailAndPassword: { enabled: true },
      plugins,
      logger: { disabled: true },
      ...extra,
    });
    await (await getMigrations(auth.options)).runMigrations();
    const call = (path: string, init: RequestInit = {}) => auth.handler(new Request(`${baseURL}/api/auth${path}`, init));
    const signedUp = await call('/sign-up/email', {
      method: 'POST',
      headers: { ...json, Origin: baseURL },
      body: JSON.stringify({ email: 'plugin@example.com', password: 'correct horse battery staple', name: 'Plug' }),
    });
    const cookie = signedUp.headers.getSetCookie().map(line => line.split(';')[0]).join('; ');
    const { session } = (await (await call('/get-session', { headers: { Cookie: cookie } })).json()) as { session: { token: string } };
    return { auth, call, cookie, firstPartyToken: session.token, ...flow(call, baseURL) };
  }

  const permutations = <T>(items: T[]): T[][] =>
    items.length <= 1 ? [items] : items.flatMap((item, index) => permutations([...items.slice(0, index), ...items.slice(index + 1)]).map(rest => [item, ...rest]));

  const names = ['jwt', 'bearer', 'multiSession', 'chatkitEmbed'] as const;
  const make = { jwt: () => jwt(), bearer: () => bearer(), multiSession: () => multiSession(), chatkitEmbed: () => chatkitEmbed({ allowedOrigins: [SITE] }) };
  test('beside bearer(), multiSession(), a cookie cache and jwt(), in every order, the credential is never a session token', async () => {
    for (const order of permutations([...names])) {
      const server = await authServer(
        order.map(name => make[name]() as BetterAuthPlugin),
        { session: { cookieCache: { enabled: true, maxAge: 300 } } },
      );
      for (const kept of [true, false]) {
        const headers = await server.signIn(server.cookie, kept);
        const what = `${order.join(', ')}; ${kept ? 'cookie' : 'bearer'}`;
        // a day after sign-in: due for renewal, when Better Auth would re-issue its own session token
        await server.auth.$context.then(context =>
          context.adapter.updateMany({ model: 'session', where: [{ field: 'embedOrigin', value: SITE }], update: { expiresAt: new Date(Date.now() + 6 * 86_400_000) } }),
        );
        const answer = await server.call('/embed/token', { headers: { Origin: SITE, ...headers } });
        assert.equal(answer.status, 200, what);
        assert.equal(answer.headers.get('set-auth-token'), null, what);
        assert.deepEqual(answer.headers.getSetCookie().map(line => line.split('=')[0]), kept ? ['better-auth.chatkit_embed'] : [], what);
        assert.match(((await answer.json()) as { token: string }).token, /^[\w-]+\.[\w-]+\.[\w-]+$/, what);
        const credential = kept ? headers.Cookie!.split('=')[1]! : headers['Chatkit-Embed-Credential']!;
        for (const as of [headers, { Authorization: `Bearer ${credential}` }, { Cookie: `better-auth.session_token=${credential}` }]) {
          for (const path of ['/token', '/list-sessions', '/get-session']) {
            const response = await server.call(path, { headers: { Origin: SITE, ...as } });
            assert.equal(response.headers.get('set-auth-token'), null, `${what}: ${path}`);
            assert.ok(response.status === 401 || (await response.text()) === 'null', `${what}: ${path} ${response.status}`);
          }
        }
        const own = (await server.auth.$context.then(context => context.adapter.findMany<{ token: string }>({ model: 'session', where: [{ field: 'embedOrigin', value: SITE }] }))).map(row => row.token);
        assert.ok(own.length > 0);
        const answerText = JSON.stringify([...answer.headers]);
        for (const token of own) assert.ok(!answerText.includes(token), `${what}: the session's token never leaves the server`);
      }
    }
  });

  test('its allowed origins are trusted on its own routes only: no redirect target for the rest of the server', async () => {
    const server = await authServer([jwt(), chatkitEmbed({ allowedOrigins: [SITE] })], {
      emailAndPassword: { enabled: true, sendResetPassword: async () => {} },
    });
    // the cross-site routes work with cookies from SITE (Better Auth's origin check would refuse it)
    assert.equal((await server.signIn(server.cookie, true)).Cookie?.startsWith('better-auth.chatkit_embed='), true);
    const reset = await server.call('/request-password-reset', {
      method: 'POST',
      headers: { ...json, Origin: baseURL, Cookie: server.cookie },
      body: JSON.stringify({ email: 'plugin@example.com', redirectTo: `${SITE}/steal` }),
    });
    assert.equal(reset.status, 403, 'a reset link may not deliver its token to an embedding site');
    const fromSite = await server.call('/update-user', { method: 'POST', headers: { ...json, Origin: SITE, Cookie: server.cookie }, body: JSON.stringify({ name: 'Mallory' }) });
    assert.equal(fromSite.status, 403, 'nor may it call other routes with the user’s cookies');
    const refused = await server.call('/embed/redeem', { method: 'POST', headers: { ...json, Origin: EVIL }, body: JSON.stringify({ attempt: newAttempt().id, verifier: newAttempt().verifier }) });
    assert.equal(refused.status, 403);
    const token = await server.call('/token', { headers: { Cookie: server.cookie } });
    assert.equal(token.headers.get('cache-control'), 'no-store', 'the plugin makes /token no-store for any site');
  });

  test('bearer: false refuses a browser without partitioned cookies, and any bearer credential', async () => {
    const server = await authServer([jwt(), chatkitEmbed({ allowedOrigins: [SITE], bearer: false })]);
    const refused = await server.register(newAttempt());
    assert.equal(refused.status, 403, 'at once, before the user signs in for nothing');
    assert.equal(((await refused.json()) as { code: string }).code, 'PARTITIONED_COOKIES_REQUIRED');
    assert.match((await server.signIn(server.cookie, true)).Cookie!, /^better-auth\.chatkit_embed=/, 'cookies still work');

    const withBearers = await authServer([jwt(), chatkitEmbed({ allowedOrigins: [SITE] })]);
    const headers = await withBearers.signIn(withBearers.cookie, false);
    assert.equal((await withBearers.call('/embed/token', { headers })).status, 200);
  });

  test('refuses bad options at start, saying what to write', () => {
    for (const bad of ['docs.example', 'http://docs.example/path', 'https://*.example.com', 'javascript:alert(1)']) {
      assert.throws(() => chatkitEmbed({ allowedOrigins: [bad] }), /not an origin like https:\/\/docs\.example\.com/, bad);
    }
    for (const options of [{}, { allowedOrigins: SITE }, undefined]) {
      assert.throws(() => chatkitEmbed(options as never), /^TypeError: chatkitEmbed: allowedOrigins must be an array of origins/);
    }
    const cases: [keyof ChatkitEmbedOptions, unknown[], RegExp][] = [
      ['codeExpiresIn', ['x', 0, -5, 1.5, 601, Number.NaN], /codeExpiresIn must be a whole number of seconds from 1 to 600/],
      ['signInExpiresIn', [59, 86_401, '600'], /signInExpiresIn must be a whole number of seconds from 60 to 86400/],
      ['bearerExpiresIn', [0, 604_801], /bearerExpiresIn must be a whole number of seconds from 60 to 604800/],
    ];
    for (const [name, values, message] of cases) {
      for (const value of values) assert.throws(() => chatkitEmbed({ allowedOrigins: [SITE], [name]: value }), message, `${name} ${value}`);
    }
  });
});
