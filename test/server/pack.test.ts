// The package as a user gets it: built, `npm pack`ed, installed from the tarball into a fresh project.
// There, Node imports `auth-chatkit/server` and verifies a token with it, TypeScript type-checks a
// use of it, and Vite builds the browser entries for a browser: no jose in that bundle, and a browser
// build importing `auth-chatkit/server` is refused by the package's exports (`"browser": null`).
// Offline: the package's dependencies are linked from this project's node_modules.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import type { Rolldown } from 'vite';
import { buildLibraries } from '../../scripts/build.mjs';
import { backendExamples } from './helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The ids of the modules a Vite build bundled. */
function bundledModules(output: Awaited<ReturnType<typeof build>>): string[] {
  const outputs = (Array.isArray(output) ? output : [output]) as Rolldown.RolldownOutput[];
  return outputs.flatMap(result => result.output.flatMap(chunk => (chunk.type === 'chunk' ? chunk.moduleIds : [])));
}

const fromJose = (id: string) => /[/\\]node_modules[/\\]jose[/\\]/.test(id);

describe('the packed package, installed', { timeout: 90_000 }, () => {
  let project: string;
  let files: string[];

  before(() => {
    buildLibraries();
    project = mkdtempSync(join(tmpdir(), 'auth-chatkit-pack-'));
    const [packed] = JSON.parse(execFileSync(npm, ['pack', '--json', '--pack-destination', project], { cwd: root, encoding: 'utf8' })) as { filename: string; files: { path: string }[] }[];
    files = packed!.files.map(file => file.path);
    // the package's dependencies from this project, linked: npm resolves the tarball's needs from
    // them; and the frameworks of the README's examples
    const { dependencies } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const names = [...Object.keys(dependencies), 'better-auth', 'express', '@types/express', 'hono', 'better-sqlite3', 'pg'];
    const linked = Object.fromEntries(names.map(name => [name, `file:${realpathSync(join(root, 'node_modules', name))}`]));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: linked }));
    execFileSync(npm, ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', join(project, packed!.filename)], { cwd: project, stdio: 'pipe' });
  });
  after(() => rmSync(project, { recursive: true, force: true }));

  test('the tarball holds the server entry, compiled, with its types; no sources, no tests', () => {
    for (const file of [
      'dist/lib/server/index.js',
      'dist/lib/server/index.d.ts',
      'dist/lib/server/verify.js',
      'dist/lib/server/better-auth.js',
      'dist/lib/server/better-auth.d.ts',
      'dist/lib/server/chatkit/server.js',
      'dist/lib/server/chatkit/stores/sqlite.js',
      'dist/lib/server/chatkit/stores/sqlite.d.ts',
      'dist/lib/server/chatkit/stores/postgres.js',
      'dist/lib/server/chatkit/stores/postgres.d.ts',
      'dist/lib/index.js',
      'package.json',
      'NOTICE',
    ]) {
      assert.ok(files.includes(file), `${file} is packed`);
    }
    assert.deepEqual(files.filter(file => /^(src|test|demo)\//.test(file) || file.endsWith('.ts') && !file.endsWith('.d.ts')), []);
  });

  test('Node imports auth-chatkit/server and verifies a token with it', () => {
    const script = `
      import { SignJWT, exportJWK, generateKeyPair } from 'jose';
      import { createVerifier } from 'auth-chatkit/server';
      const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
      const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA' };
      const verifier = createVerifier({ authUrl: 'https://auth.example.com/api/auth', fetch: async () => Response.json({ keys: [jwk] }) });
      const token = await new SignJWT({ name: 'Ada' }).setProtectedHeader({ alg: 'EdDSA', kid: 'k1' }).setSubject('u1')
        .setIssuer('https://auth.example.com').setAudience('https://auth.example.com').setExpirationTime('5m').sign(privateKey);
      const ok = await verifier.authenticate('Bearer ' + token);
      const refused = await verifier.authenticate('Bearer x.y.z');
      console.log(JSON.stringify({ sub: ok.ok && ok.identity.sub, code: refused.code, resolved: import.meta.resolve('auth-chatkit/server') }));`;
    const result = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: project, encoding: 'utf8' })) as Record<string, string>;
    assert.equal(result.sub, 'u1');
    assert.equal(result.code, 'invalid_token');
    assert.match(result.resolved!, /\/node_modules\/auth-chatkit\/dist\/lib\/server\/index\.js$/, 'the installed copy, not this project');
  });

  test('Node serves ChatKit with auth-chatkit/server on auth-chatkit/server/sqlite; the main entry loads no database driver', () => {
    const script = `
      import { SignJWT, exportJWK, generateKeyPair } from 'jose';
      import { createChatKitServer, createVerifier, streamAssistantMessage } from 'auth-chatkit/server';
      const { SQLiteStore } = await import('auth-chatkit/server/sqlite');
      const { default: Database } = await import('better-sqlite3');
      const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
      const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA' };
      const verifier = createVerifier({ authUrl: 'https://auth.example.com/api/auth', fetch: async () => Response.json({ keys: [jwk] }) });
      const token = await new SignJWT({}).setProtectedHeader({ alg: 'EdDSA', kid: 'k1' }).setSubject('u1')
        .setIssuer('https://auth.example.com').setAudience('https://auth.example.com').setExpirationTime('5m').sign(privateKey);
      const chatkit = createChatKitServer({ verifier, store: new SQLiteStore(new Database(':memory:')), async *respond(thread) { yield* streamAssistantMessage(thread, ['hi']); } });
      const body = JSON.stringify({ type: 'threads.create', params: { input: { content: [{ type: 'input_text', text: 'x' }], attachments: [], inference_options: {} } } });
      const response = await chatkit.fetch(new Request('https://chat.example.com/chatkit', { method: 'POST', headers: { Authorization: 'Bearer ' + token }, body }));
      const events = (await response.text()).trim().split('\\n\\n').map(chunk => JSON.parse(chunk.slice(6)).type);
      console.log(JSON.stringify({ events, resolved: import.meta.resolve('auth-chatkit/server/sqlite') }));`;
    const result = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: project, encoding: 'utf8' })) as { events: string[]; resolved: string };
    assert.deepEqual(result.events, ['thread.created', 'thread.item.done', 'stream_options', 'thread.item.added', 'thread.item.updated', 'thread.item.updated', 'thread.item.updated', 'thread.item.done']);
    assert.match(result.resolved, /\/node_modules\/auth-chatkit\/dist\/lib\/server\/chatkit\/stores\/sqlite\.js$/);
    // the main entry's modules import neither driver: only their own entries do
    const drivers = /from ['"](better-sqlite3|pg)['"]/;
    for (const file of files.filter(name => name.startsWith('dist/lib/server/') && name.endsWith('.js') && !/stores\/(sqlite|postgres)\.js$/.test(name))) {
      assert.doesNotMatch(readFileSync(join(project, 'node_modules/auth-chatkit', file), 'utf8'), drivers, file);
    }
  });

  test('Node imports auth-chatkit/better-auth and a Better Auth server takes the plugin beside jwt()', () => {
    const script = `
      import { betterAuth } from 'better-auth';
      import { jwt } from 'better-auth/plugins';
      import { chatkitEmbed } from 'auth-chatkit/better-auth';
      const auth = betterAuth({ baseURL: 'https://auth.example.com', secret: 'x'.repeat(32), plugins: [jwt(), chatkitEmbed({ allowedOrigins: ['https://docs.example.com'] })], logger: { disabled: true } });
      console.log(JSON.stringify({ endpoints: Object.keys(auth.api).filter(name => name.startsWith('chatkitEmbed')).sort(), resolved: import.meta.resolve('auth-chatkit/better-auth') }));`;
    const result = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: project, encoding: 'utf8' })) as { endpoints: string[]; resolved: string };
    assert.deepEqual(result.endpoints, ['chatkitEmbedCode', 'chatkitEmbedPage', 'chatkitEmbedProbe', 'chatkitEmbedRedeem', 'chatkitEmbedSignOut']);
    assert.match(result.resolved, /\/node_modules\/auth-chatkit\/dist\/lib\/server\/better-auth\.js$/);
  });

  test("TypeScript type-checks a use of it, and the README's examples, from the published declarations", () => {
    // the README's TypeScript blocks of "Your chat backend": the first is verifier.ts, the others import it
    const examples = backendExamples('ts');
    assert.ok(examples.length >= 4 && examples[0]!.startsWith('// verifier.ts'), `the README's examples: ${examples.length}`);
    const exampleFiles = examples.map((_example, i) => (i === 0 ? 'verifier.ts' : `example-${i}.ts`));
    examples.forEach((example, i) => writeFileSync(join(project, exampleFiles[i]!), example));
    writeFileSync(join(project, 'your-app.d.ts'), 'declare function yourChatKitServer(request: Request, user: string): Promise<Response>;\n');
    writeFileSync(
      join(project, 'server.ts'),
      `import { authenticateRequest, createVerifier, type Identity } from 'auth-chatkit/server';
      const verifier = createVerifier({ authUrl: 'https://auth.example.com/api/auth', onRejected: r => console.error(r.reason, r.detail) });
      export async function POST(request: Request): Promise<Response> {
        const auth = await authenticateRequest(verifier, request);
        if (!auth.ok) return auth.response;
        const who: Identity = auth.identity;
        return Response.json({ sub: who.sub });
      }
      // @ts-expect-error: a refusal has no identity
      export const wrong = async (request: Request) => (await authenticateRequest(verifier, request)).identity.sub;`,
    );
    const compilerOptions = { noEmit: true, strict: true, target: 'es2022', module: 'nodenext', lib: ['es2023', 'dom'], types: [] };
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['server.ts', 'your-app.d.ts', ...exampleFiles] }));
    try {
      execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', project], { cwd: project, encoding: 'utf8' });
    } catch (error) {
      assert.fail(`tsc: ${(error as { stdout?: string }).stdout}`);
    }
  });

  const viteBuild = (entry: string, source: string, extra: Parameters<typeof build>[0] = {}) => {
    writeFileSync(join(project, entry), source);
    return build({
      root: project,
      configFile: false,
      logLevel: 'silent',
      ...extra,
      build: { write: false, minify: false, lib: { entry: join(project, entry), formats: ['es'], fileName: 'out' }, ...extra.build },
    });
  };

  test('a Vite browser build of the element: no jose in it', async () => {
    const modules = bundledModules(await viteBuild('browser.js', "import 'auth-chatkit/define';\nexport { AuthChatKit } from 'auth-chatkit';\n"));
    assert.ok(modules.some(id => /[/\\]node_modules[/\\]auth-chatkit[/\\]dist[/\\]lib[/\\]auth-chatkit\.js$/.test(id)), 'the installed element is in the bundle');
    assert.ok(modules.some(id => /[/\\]node_modules[/\\]lit-html[/\\]/.test(id)), 'with its dependencies');
    assert.deepEqual(modules.filter(fromJose), []);
    // the check can fail: the server entry, bundled for Node, does bring jose
    const server = bundledModules(await viteBuild('server.js', "export { createVerifier } from 'auth-chatkit/server';\n", { ssr: { noExternal: true }, build: { ssr: true } }));
    assert.ok(server.some(fromJose), 'a Node build of the server entry bundles jose');
  });

  for (const [entry, name] of [['server', 'createVerifier'], ['server/sqlite', 'SQLiteStore'], ['server/postgres', 'PostgresStore'], ['better-auth', 'chatkitEmbed']] as const) {
    test(`a Vite browser build importing auth-chatkit/${entry} is refused`, async () => {
      // Vite 8 skips a null target and tries the next condition, so "browser": null must stay last,
      // with no "import" or "default" fallback after it
      await assert.rejects(viteBuild(`wrong-${entry.replace("/", "-")}.js`, `export { ${name} } from 'auth-chatkit/${entry}';\n`), (error: Error) => {
        assert.match(error.message, new RegExp(`"\\./${entry.replace('/', '\\/')}" is not exported under the conditions \\[[^\\]]*"browser"`));
        return true;
      });
    });
  }
});
