// The any-site sign-in, server side: the chatkitEmbed Better Auth plugin (auth-chatkit/better-auth)
// in the real demo backend. The hand-off page, single-use codes bound to one allow-listed origin,
// the redeem for a partitioned cookie or a bearer credential, what that credential can and cannot
// do, sign-out, preflights, and the element's script served to other sites.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { jwt } from 'better-auth/plugins';
import { chatkitEmbed } from '../../src/server/better-auth.js';
import { address, chatkit, decodePart, LIMIT, signUp, startTestServer, type Account, type TestServer } from './helpers.js';

const SITE = 'http://docs.example';
const OTHER_SITE = 'http://shop.example';
const EVIL = 'http://evil.example';
const NONCE = 'nonce-0123456789abcdef';

describe('any-site sign-in: the chatkitEmbed plugin', LIMIT, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { ALLOWED_ORIGINS: `${SITE},${OTHER_SITE}` }, config: { embedCodeExpiresIn: 2 } });
  });
  after(() => server.stop());

  const auth = (path: string) => `${address(server)}/api/auth${path}`;
  const page = (origin: string, cookie?: string, nonce = NONCE) =>
    fetch(auth(`/embed?${new URLSearchParams({ origin, nonce })}`), { headers: cookie ? { Cookie: cookie } : {} });

  /** A code, as the hand-off page gets it: first-party, with the user's session cookie. */
  async function codeFor(account: Account, origin = SITE): Promise<Response> {
    return fetch(auth('/embed/code'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: server.url, Cookie: account.cookie },
      body: JSON.stringify({ origin }),
    });
  }
  const code = async (account: Account, origin = SITE) => ((await (await codeFor(account, origin)).json()) as { code: string }).code;

  /** The embedding page's redeem: cross-site, with the probe cookie when the browser kept it. */
  const redeem = (value: string, origin = SITE, cookie?: string) =>
    fetch(auth('/embed/redeem'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: origin, ...(cookie && { Cookie: cookie }) },
      body: JSON.stringify({ code: value }),
    });

  const bearerToken = async (account: Account) => {
    const answer = (await (await redeem(await code(account))).json()) as { credential: string; token: string };
    assert.equal(answer.credential, 'bearer');
    return answer.token;
  };
  const jwtWith = (headers: Record<string, string>) => fetch(auth('/token'), { headers: { Origin: SITE, ...headers } });

  test('the hand-off page: no-store, no referrer, cannot be framed, its own script only, no COOP', async () => {
    const response = await page(SITE);
    assert.equal(response.status, 200);
    const html = await response.text();
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
    assert.equal(response.headers.get('cross-origin-opener-policy'), null, 'COOP would sever window.opener');
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /script-src 'sha256-[\w+/=]+';/, 'scripts by hash only: no unsafe-inline, no hosts');
    assert.match(csp, /default-src 'none'/);
    assert.match(html, /<form id="sign-in">/, 'signed out: the sign-in form');
    assert.ok(html.includes(`"origin":"${SITE}"`) && html.includes(`"nonce":"${NONCE}"`));
    assert.ok(!/[?&](code|token)=/.test(response.url + html), 'no code or token in any URL');
  });

  test('signed in first-party, it asks "Continue to chat on <site> as <name>?"', async () => {
    const account = await signUp(server, 'Ada <Lovelace>');
    const html = await (await page(SITE, account.cookie)).text();
    assert.match(html, /Continue to chat on <strong>docs\.example<\/strong> as <strong>Ada &#60;Lovelace&#62;<\/strong>\?/);
  });

  test('refuses an origin that is not allow-listed, or a missing nonce: 400 and no script at all', async () => {
    for (const response of [await page(EVIL), await page(`${SITE}/path`), await page(SITE, undefined, 'short')]) {
      assert.equal(response.status, 400);
      const html = await response.text();
      assert.ok(!html.includes('<script'), 'no script');
      assert.doesNotMatch(response.headers.get('content-security-policy') ?? '', /script-src/);
      assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    }
  });

  test('a code needs a first-party session and an allow-listed origin; it is no-store', async () => {
    const account = await signUp(server);
    const issued = await codeFor(account);
    assert.equal(issued.status, 200);
    assert.equal(issued.headers.get('cache-control'), 'no-store');
    assert.match(((await issued.json()) as { code: string }).code, /^[\w-]{32}$/);
    assert.equal((await codeFor({ ...account, cookie: '' })).status, 401);
    assert.equal((await codeFor(account, EVIL)).status, 400);
  });

  test('redeemed once, from the origin it is bound to, before it expires', async () => {
    const account = await signUp(server);
    const once = await code(account);
    assert.equal((await redeem(once)).status, 200);
    const again = await redeem(once);
    assert.equal(again.status, 400);
    assert.equal(((await again.json()) as { code: string }).code, 'INVALID_CODE');

    const bound = await code(account, SITE);
    assert.equal((await redeem(bound, OTHER_SITE)).status, 400, 'another allowed origin cannot redeem it');
    assert.equal((await redeem(bound, SITE)).status, 400, 'and the attempt used it up');
    assert.equal((await redeem(await code(account), EVIL)).status, 403, 'an unknown origin is refused outright');

    const late = await code(account);
    await new Promise(resolve => setTimeout(resolve, 2_100));
    assert.equal((await redeem(late)).status, 400, 'expired');
  });

  test('a bearer credential gives a JWT the chat verifier accepts, and nothing else', async () => {
    const account = await signUp(server, 'Grace');
    const token = await bearerToken(account);
    const answer = await jwtWith({ Authorization: `Bearer ${token}` });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    const { token: jwt } = (await answer.json()) as { token: string };
    assert.equal(decodePart(jwt, 1).sub, account.userId);
    const chat = await chatkit(server, jwt, { type: 'threads.list', params: {} });
    assert.equal(chat.status, 200);

    // only /token: the credential cannot read or change the account
    const session = await fetch(auth('/get-session'), { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(await session.text(), 'null');
    const update = await fetch(auth('/update-user'), {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Origin: SITE },
      body: JSON.stringify({ name: 'Mallory' }),
    });
    assert.equal(update.status, 401);

    const forged = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    assert.equal((await jwtWith({ Authorization: `Bearer ${forged}` })).status, 401);

    // nor is it Better Auth's session credential: as the session cookie it opens nothing
    const asSessionCookie = { Cookie: `better-auth.session_token=${encodeURIComponent(token)}`, Origin: server.url };
    assert.equal(await (await fetch(auth('/get-session'), { headers: asSessionCookie })).text(), 'null');
    const listed = await fetch(auth('/list-sessions'), { headers: asSessionCookie });
    assert.equal(listed.status, 401);
    const updated = await fetch(auth('/update-user'), {
      method: 'POST',
      headers: { ...asSessionCookie, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Mallory' }),
    });
    assert.equal(updated.status, 401);
    assert.match(token, /^[\w-]{43}$/, 'a random secret of its own, not a signed session token');
  });

  test('with the probe cookie kept (CHIPS): an HttpOnly partitioned cookie, never a token in the body', async () => {
    const probe = await fetch(auth('/embed/probe'), { headers: { Origin: SITE } });
    const probeCookie = probe.headers.getSetCookie()[0] ?? '';
    assert.match(probeCookie, /^better-auth\.chatkit_embed_probe=1;.*HttpOnly; Secure; SameSite=None; Partitioned/);
    const account = await signUp(server);
    const answer = await redeem(await code(account), SITE, probeCookie.split(';')[0]);
    assert.deepEqual(await answer.json(), { credential: 'cookie' });
    const cookies = answer.headers.getSetCookie();
    const embed = cookies.find(line => line.startsWith('better-auth.chatkit_embed='));
    assert.ok(embed, cookies.join('\n'));
    assert.match(embed, /Max-Age=604800; Path=\/api\/auth; HttpOnly; Secure; SameSite=None; Partitioned/);
    assert.ok(cookies.some(line => /^better-auth\.chatkit_embed_probe=;.*Max-Age=0/.test(line)), 'the probe is cleared');

    const jwt = await jwtWith({ Cookie: embed.split(';')[0]! });
    assert.equal(jwt.status, 200);
    assert.equal(jwt.headers.getSetCookie().length, 0, 'no cookie of Better Auth set through the embed');
  });

  test('a sliding session re-sets the partitioned cookie, never Better Auth’s own', async () => {
    const account = await signUp(server);
    const probeCookie = (await fetch(auth('/embed/probe'))).headers.getSetCookie()[0]!.split(';')[0]!;
    const answer = await redeem(await code(account), SITE, probeCookie);
    const embed = answer.headers.getSetCookie().find(line => line.startsWith('better-auth.chatkit_embed='))!.split(';')[0]!;
    // five days left of seven: Better Auth extends it (and would set its own cookie) on the next read
    const database = new Database(server.databasePath);
    try {
      database.prepare('UPDATE session SET expiresAt = ? WHERE embedOrigin IS NOT NULL AND userId = ?').run(new Date(Date.now() + 5 * 86_400_000).toISOString(), account.userId);
    } finally {
      database.close();
    }
    const refreshed = await jwtWith({ Cookie: embed });
    assert.equal(refreshed.status, 200);
    const cookies = refreshed.headers.getSetCookie();
    assert.equal(cookies.length, 1, cookies.join('\n'));
    assert.match(cookies[0]!, /^better-auth\.chatkit_embed=.*Max-Age=60479\d; Path=\/api\/auth; HttpOnly; Secure; SameSite=None; Partitioned/);
  });

  test('sign-out ends the embedded session: the next /token is 401, the cookie is cleared', async () => {
    const account = await signUp(server);
    const token = await bearerToken(account);
    const out = await fetch(auth('/embed/sign-out'), {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Origin: SITE },
      body: '{}',
    });
    assert.equal(out.status, 200);
    assert.ok(out.headers.getSetCookie().some(line => /^better-auth\.chatkit_embed=;.*Max-Age=0.*Partitioned/.test(line)));
    assert.equal((await jwtWith({ Authorization: `Bearer ${token}` })).status, 401);
    assert.equal((await jwtWith({ Cookie: account.cookie })).status, 200, 'the first-party session is not the embed’s to end');
  });

  test('signing out on the auth site ends the embedded sessions that session approved', async () => {
    const account = await signUp(server);
    const token = await bearerToken(account);
    const out = await fetch(auth('/sign-out'), { method: 'POST', headers: { Cookie: account.cookie, Origin: server.url, 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(out.status, 200);
    assert.equal((await jwtWith({ Authorization: `Bearer ${token}` })).status, 401);
  });

  test('preflights: allowed origins with credentials, unknown ones refused', async () => {
    const preflight = (origin: string) =>
      fetch(auth('/embed/redeem'), { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' } });
    const allowed = await preflight(SITE);
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers.get('access-control-allow-origin'), SITE);
    assert.equal(allowed.headers.get('access-control-allow-credentials'), 'true');
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
  test('added next to jwt() alone, it trusts its allowed origins and serves the whole flow', async () => {
    const baseURL = 'http://auth.example';
    const auth = betterAuth({
      baseURL,
      secret: 'a-test-secret-of-at-least-32-characters!',
      database: new Database(':memory:'),
      emailAndPassword: { enabled: true },
      plugins: [jwt(), chatkitEmbed({ allowedOrigins: [SITE] })],
      logger: { disabled: true },
    });
    await (await getMigrations(auth.options)).runMigrations();
    const call = (path: string, init: RequestInit = {}) => auth.handler(new Request(`${baseURL}/api/auth${path}`, init));
    const json = { 'Content-Type': 'application/json' };
    const signedUp = await call('/sign-up/email', {
      method: 'POST',
      headers: { ...json, Origin: baseURL },
      body: JSON.stringify({ email: 'plugin@example.com', password: 'correct horse battery staple', name: 'Plug' }),
    });
    const cookie = signedUp.headers.getSetCookie().map(line => line.split(';')[0]).join('; ');
    const issued = await call('/embed/code', { method: 'POST', headers: { ...json, Origin: baseURL, Cookie: cookie }, body: JSON.stringify({ origin: SITE }) });
    const { code } = (await issued.json()) as { code: string };
    const probe = (await call('/embed/probe')).headers.getSetCookie()[0]!.split(';')[0]!;
    // a cookie-bearing POST from SITE: Better Auth's origin check passes because the plugin trusts SITE
    const redeemed = await call('/embed/redeem', { method: 'POST', headers: { ...json, Origin: SITE, Cookie: probe }, body: JSON.stringify({ code }) });
    assert.equal(redeemed.status, 200, await redeemed.clone().text());
    const embed = redeemed.headers.getSetCookie().find(line => line.startsWith('better-auth.chatkit_embed='))!.split(';')[0]!;
    const token = await call('/token', { headers: { Origin: SITE, Cookie: embed } });
    assert.equal(token.status, 200);
    assert.equal(token.headers.get('cache-control'), 'no-store', 'the plugin makes /token no-store for any site');
    const refused = await call('/embed/redeem', { method: 'POST', headers: { ...json, Origin: EVIL, Cookie: probe }, body: JSON.stringify({ code }) });
    assert.equal(refused.status, 403);
  });

  test('refuses bad options at start, saying what to write', () => {
    for (const bad of ['docs.example', 'http://docs.example/path', 'https://*.example.com', 'javascript:alert(1)']) {
      assert.throws(() => chatkitEmbed({ allowedOrigins: [bad] }), /not an origin like https:\/\/docs\.example\.com/, bad);
    }
    for (const options of [{}, { allowedOrigins: SITE }, undefined]) {
      assert.throws(() => chatkitEmbed(options as never), /^TypeError: chatkitEmbed: allowedOrigins must be an array of origins/);
    }
    for (const codeExpiresIn of ['x', 0, -5, 1.5, 601, Number.NaN]) {
      assert.throws(() => chatkitEmbed({ allowedOrigins: [SITE], codeExpiresIn: codeExpiresIn as number }), /codeExpiresIn must be a whole number of seconds from 1 to 600/);
    }
  });
});
