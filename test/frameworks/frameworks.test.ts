// The element as a new user gets it, in the frameworks users build with: the package is built and
// `npm pack`ed, the tarball unpacked into the apps' node_modules (their own dependencies come from
// their committed lockfiles, `npm ci`), and five small apps under test/frameworks/ are type-checked,
// built and driven in one Chromium: React 19 and React 18 with Vite, Next.js App Router (`next build`,
// `next start`), Vue 3 and Svelte 5. Each app renders the README's recipe (its Chat component, shown
// verbatim in "Frameworks"), a parent that re-renders and remounts it, and an element with a broken
// config. ChatKit's runtime is the test stand-in (test/browser/fixtures/fake-chatkit.js), loaded
// before the app; `GET /api/auth/token` answers as Better Auth's JWT plugin does.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { buildLibraries } from '../../scripts/build.mjs';
import { launchBrowser } from '../e2e/support.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const here = fileURLToPath(new URL('.', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const fakeChatKit = join(root, 'test/browser/fixtures/fake-chatkit.js');
/** The folders with a lockfile of their own: React 18 cannot share a tree with React 19 and Next.js. */
const installs = [here, join(here, 'react-18')];
const bin = (app: string, name: string) => join(app === 'react-18' ? join(here, 'react-18') : here, 'node_modules/.bin', name);

/** A token as Better Auth's JWT plugin answers it: the element reads `iat` and `exp` (nothing here verifies signatures). */
function token(): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'EdDSA', typ: 'JWT' })}.${part({ sub: 'u1', iat: now, exp: now + 900 })}.c2lnbmF0dXJl`;
}

function run(app: string, command: string, args: string[]): { ok: boolean; output: string } {
  try {
    const output = execFileSync(command, args, { cwd: join(here, app), encoding: 'utf8', stdio: 'pipe', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
    return { ok: true, output };
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${stdout ?? ''}${stderr ?? ''}` };
  }
}

function succeed(app: string, command: string, args: string[]): string {
  const { ok, output } = run(app, command, args);
  assert.ok(ok, `${app}: ${command} ${args.join(' ')} failed:\n${output}`);
  return output;
}

/** What the test reads of `<auth-chatkit>` in the page (the element's types would pull its sources into this Node program). */
interface AuthChatKit extends HTMLElement {
  chatkit: HTMLElement | null;
  updateComplete: Promise<boolean>;
  apiUrl?: string;
  chatkitOptions?: unknown;
}

const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

/** The Vite apps' builds under /<app>/, the ChatKit stand-in and the token endpoint. */
function serveApps(apps: string[]): Promise<Server> {
  const server = createServer((request, response) => {
    const { pathname } = new URL(request.url!, 'http://localhost');
    if (pathname === '/api/auth/token') {
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ token: token() }));
      return;
    }
    const [, app, ...rest] = pathname.split('/');
    const file = pathname === '/fake-chatkit.js' ? fakeChatKit : apps.includes(app!) ? join(here, app!, 'dist', rest.join('/') || 'index.html') : undefined;
    if (!file || file.includes('..') || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise(resolve => server.close(resolve));
  return port;
}

/** `next start` on a free port, resolved once it answers. */
async function startNext(): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [bin('next', 'next'), 'start', '-p', `${port}`, '-H', '127.0.0.1'], {
    cwd: join(here, 'next'),
    stdio: 'pipe',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  let output = '';
  child.stdout!.on('data', chunk => (output += chunk));
  child.stderr!.on('data', chunk => (output += chunk));
  const url = `http://127.0.0.1:${port}/`;
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`next start exited:\n${output}`);
    try {
      if ((await fetch(url)).ok) return { url, process: child };
    } catch {
      // not listening yet
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  child.kill();
  throw new Error(`next start did not answer in 30 s:\n${output}`);
}

/** What the page logged, and the errors it threw. */
function record(page: Page): { logs: string[]; errors: string[] } {
  const seen = { logs: [] as string[], errors: [] as string[] };
  page.on('console', message => {
    // the apps have no icon: the browser's own request for one is no error of theirs
    if (message.location().url.endsWith('/favicon.ico')) return;
    if (message.type() === 'error') seen.errors.push(message.text());
    else seen.logs.push(message.text());
  });
  page.on('pageerror', error => seen.errors.push(error.message));
  return seen;
}

/** Waits until `check` holds on the page's log, up to 10 s. */
async function waitForLog(logs: string[], check: (logs: string[]) => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 200 && !check(logs); attempt++) await new Promise(resolve => setTimeout(resolve, 50));
  assert.ok(check(logs), `${what}; the page logged:\n${logs.join('\n')}`);
}

const count = (logs: string[], line: string) => logs.filter(logged => logged === line).length;

/** The recipe's element (the harness's others have an id): its ChatKit's options history, and how many ChatKits the page has. */
const inspect = (page: Page) =>
  page.evaluate(() => {
    const chat = document.querySelector<AuthChatKit>('auth-chatkit:not([id])');
    const fake = chat?.chatkit as unknown as { optionsHistory: Record<string, unknown>[] } | undefined;
    const chatkits = [...document.querySelectorAll('auth-chatkit')].reduce((sum, el) => sum + (el.shadowRoot?.querySelectorAll('openai-chatkit').length ?? 0), 0);
    const options = fake?.optionsHistory.at(-1);
    return {
      mounted: !!chat,
      setOptionsCalls: fake?.optionsHistory.length ?? 0,
      startScreen: options?.startScreen,
      history: options?.history,
      theme: options?.theme,
      chatkits,
      brokenState: document.querySelector('#broken')?.getAttribute('state'),
    };
  });

/** The updates a click started, done: React and Vue render, then the element's own (Lit) update. */
const settle = (page: Page) =>
  page.evaluate(async () => {
    await new Promise(resolve => requestAnimationFrame(resolve));
    await Promise.all([...document.querySelectorAll<AuthChatKit>('auth-chatkit')].map(el => el.updateComplete));
  });

const apps = ['react-19', 'react-18', 'next', 'vue', 'svelte'] as const;

test("the README's recipes (section Frameworks) are the apps' code, as it is", () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find(part => part.startsWith('Frameworks\n'));
  assert.ok(section, 'README.md has a "## Frameworks" section');
  const recipes = [...section.matchAll(/^`(test\/frameworks\/[^`]+)`:\n\n```\w+\n([\s\S]*?)^```$/gm)];
  assert.deepEqual(
    recipes.map(([, path]) => path),
    ['react-19/src/Chat.tsx', 'react-18/src/Chat.tsx', 'next/app/chat.tsx', 'vue/src/Chat.vue', 'svelte/src/Chat.svelte'].map(file => `test/frameworks/${file}`),
  );
  for (const [, path, code] of recipes) assert.equal(code, readFileSync(join(root, path!), 'utf8'), path);
});
const viteApps = apps.filter(app => app !== 'next');

describe('the packed package in five framework apps', { timeout: 600_000 }, () => {
  let scratch: string;
  let server: Server;
  let next: { url: string; process: ChildProcess } | undefined;
  let browser: Browser;
  const urls: Record<string, string> = {};

  before(async () => {
    buildLibraries();
    scratch = mkdtempSync(join(tmpdir(), 'auth-chatkit-frameworks-'));
    const [packed] = JSON.parse(execFileSync(npm, ['pack', '--json', '--pack-destination', scratch], { cwd: root, encoding: 'utf8' })) as { filename: string }[];
    for (const folder of installs) {
      // no install scripts: the apps need none (Next.js's compiler and Vite's bundler come as prebuilt optional packages)
      execFileSync(npm, ['ci', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: folder, stdio: 'pipe' });
      // as `npm install <tarball>` would put it, without touching the lockfile
      const target = join(folder, 'node_modules/auth-chatkit');
      rmSync(target, { recursive: true, force: true });
      mkdirSync(target, { recursive: true });
      execFileSync('tar', ['-xzf', join(scratch, packed!.filename), '-C', target, '--strip-components=1']);
    }
    mkdirSync(join(here, 'next/public'), { recursive: true });
    copyFileSync(fakeChatKit, join(here, 'next/public/fake-chatkit.js'));
    browser = await launchBrowser();
  });

  after(async () => {
    next?.process.kill();
    await browser?.close();
    server?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  describe('type-checks: the typing accepts the recipes and refuses a wrong value', () => {
    for (const app of ['react-19', 'react-18']) {
      // their typing.tsx holds @ts-expect-error lines: a wrong value that type-checks fails the check
      test(`${app}: tsc`, () => void succeed(app, bin(app, 'tsc'), ['-p', '.']));
    }

    test('vue: vue-tsc (Typing.vue expects errors for theme="drak" and sign-in-mode="both")', () => void succeed('vue', bin('vue', 'vue-tsc'), ['-p', '.']));

    test('svelte: svelte-check passes, and fails on theme="drak"', () => {
      succeed('svelte', bin('svelte', 'svelte-check'), ['--tsconfig', './tsconfig.json', '--output', 'machine']);
      const bad = join(here, 'svelte/src/Bad.svelte');
      writeFileSync(bad, '<script lang="ts">\n  let id = "bad";\n</script>\n\n<auth-chatkit {id} api-url="/chatkit" theme="drak"></auth-chatkit>\n');
      try {
        const { ok, output } = run('svelte', bin('svelte', 'svelte-check'), ['--tsconfig', './tsconfig.json', '--output', 'machine']);
        assert.equal(ok, false, 'a wrong theme must fail svelte-check');
        assert.match(output, /Bad\.svelte.*drak/);
      } finally {
        rmSync(bad);
      }
    });
  });

  describe('builds', () => {
    for (const app of viteApps) test(`${app}: vite build`, () => void succeed(app, bin(app, 'vite'), ['build']));

    // next build type-checks too (app/typing.tsx expects an error), and prerenders the page on the server
    test('next: next build', () => {
      succeed('next', bin('next', 'next'), ['build']);
      const html = readFileSync(join(here, 'next/.next/server/app/index.html'), 'utf8');
      assert.match(html, /<auth-chatkit><\/auth-chatkit>/, 'server-rendered, with no props as attributes');
    });
  });

  describe('in Chromium', () => {
    before(async () => {
      server = await serveApps([...viteApps]);
      const { port } = server.address() as AddressInfo;
      for (const app of viteApps) urls[app] = `http://127.0.0.1:${port}/${app}/`;
      next = await startNext();
      urls.next = next.url;
    });

    for (const app of apps) {
      test(`${app}: options reach ChatKit, handlers run, equal options make no setOptions, remount leaves one ChatKit`, async () => {
        const page = await browser.newPage();
        const { logs, errors } = record(page);
        try {
          await page.goto(urls[app]!);
          await waitForLog(logs, seen => count(seen, 'auth-chatkit ready') === 1, 'the recipe reports ready');
          // the broken element's first error reached the handler its framework attached
          await waitForLog(logs, seen => seen.includes('broken config config'), 'the first config error reaches the handler');
          let seen = await inspect(page);
          assert.equal(seen.brokenState, 'error');
          assert.deepEqual(seen.startScreen, { greeting: 'Ask me anything' }, 'chatkitOptions reached ChatKit');
          assert.deepEqual(seen.history, { enabled: false });
          assert.equal(seen.theme, 'dark');
          assert.equal(seen.chatkits, 1);
          const calls = seen.setOptionsCalls;

          for (const expected of ['re-render 1', 're-render 2']) {
            await page.click('#rerender');
            await page.waitForFunction(text => document.querySelector('#rerender')!.textContent === text, expected);
          }
          await settle(page);
          assert.equal((await inspect(page)).setOptionsCalls, calls, 're-renders with equal options call no setOptions');

          await page.evaluate(() => {
            const fake = document.querySelector<AuthChatKit>('auth-chatkit:not([id])')!.chatkit as unknown as { emit(type: string, detail: unknown): void };
            fake.emit('chatkit.thread.change', { threadId: 'thr_1' });
          });
          await waitForLog(logs, seen => seen.includes('thread thr_1'), "a ChatKit event's handler runs with its detail");

          await page.click('#toggle');
          await page.waitForFunction(() => !document.querySelector('auth-chatkit:not([id])'));
          assert.equal((await inspect(page)).chatkits, 0, 'unmounted: ChatKit gone');
          await page.click('#toggle');
          await waitForLog(logs, seen => count(seen, 'auth-chatkit ready') === 2, 'the remounted element reports ready');
          seen = await inspect(page);
          assert.equal(seen.chatkits, 1, 'remounted: one ChatKit');
          assert.deepEqual(seen.startScreen, { greeting: 'Ask me anything' });
          assert.deepEqual(errors, [], 'no error reported (for Next.js: no hydration mismatch)');
        } finally {
          await page.close();
        }
      });
    }

    test('react-19: every on… prop of the component hears its event', async () => {
      const page = await browser.newPage();
      const { logs } = record(page);
      try {
        await page.goto(urls['react-19']!);
        await waitForLog(logs, seen => seen.includes('auth-chatkit ready'), 'the app runs');
        const types = await page.evaluate(() => {
          const names = ['ready', 'token', 'signed-out', 'error', 'open', 'close'].map(name => `auth-chatkit-${name}`);
          const chatkit = 'ready error effect deeplink response.start response.end history.open history.close thread.change thread.load.start thread.load.end tool.change log';
          const all = [...names, ...chatkit.split(' ').map(name => `chatkit.${name}`)];
          for (const type of all) document.querySelector('#every')!.dispatchEvent(new CustomEvent(type, { detail: {} }));
          return all;
        });
        assert.equal(types.length, 19);
        for (const type of types) assert.ok(logs.includes(`heard ${type}`), `a handler for ${type}`);
      } finally {
        await page.close();
      }
    });

    test('next: the element is server-rendered and hydrated, its props set after hydration', async () => {
      const page = await browser.newPage();
      const { logs, errors } = record(page);
      try {
        const html = await (await fetch(urls.next!)).text();
        assert.match(html, /<auth-chatkit><\/auth-chatkit>/);
        await page.goto(urls.next!);
        await waitForLog(logs, seen => seen.includes('auth-chatkit ready'), 'ready after hydration');
        const props = await page.evaluate(() => {
          const chat = document.querySelector<AuthChatKit>('auth-chatkit:not([id])')!;
          return { apiUrl: chat.apiUrl, options: chat.chatkitOptions, attributes: chat.getAttributeNames().sort() };
        });
        assert.equal(props.apiUrl, '/chatkit');
        assert.deepEqual(props.options, { history: { enabled: false }, startScreen: { greeting: 'Ask me anything' } });
        assert.deepEqual(props.attributes, ['state'], 'props are properties, no "[object Object]" attribute');
        assert.deepEqual(errors, []);
      } finally {
        await page.close();
      }
    });
  });
});
