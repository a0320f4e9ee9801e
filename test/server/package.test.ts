// The package as bundler users install it: everything the element's modules and the server entry
// import (code or types: the published .d.ts files import the same) must come with it as a
// dependency, or a consumer's type check fails on a module it cannot find. (pack.test.ts installs
// the packed tarball and builds from it.)
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';

const root = new URL('../../', import.meta.url);
const {
  dependencies = {},
  devDependencies = {},
  peerDependencies = {},
  peerDependenciesMeta = {},
  exports,
} = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  exports: Record<string, Record<string, string | null>>;
};

/** Package names imported by `source` (`from 'x'`, `import 'x'`, `import('x')`), relative paths left out. */
function importedPackages(source: string): string[] {
  const specifiers = [...source.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"./][^'"]*)['"]/g)].map(match => match[1]!);
  return specifiers.map(specifier => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/'));
}

/** The packages imported by the .ts files of a folder of src/ (not its subfolders). */
function importsOf(folder: string): Set<string> {
  const sources = readdirSync(new URL(folder, root)).filter(name => name.endsWith('.ts'));
  return new Set(sources.flatMap(name => importedPackages(readFileSync(new URL(`${folder}${name}`, root), 'utf8'))));
}

describe('package', () => {
  test('every package the element and the server entry import is a dependency, not a dev dependency', () => {
    const element = importsOf('src/');
    const server = importsOf('src/server/');
    assert.ok(element.has('lit') && element.has('@openai/chatkit'), `read the imports: ${[...element].join(', ')}`);
    assert.ok(server.has('jose'), `read the imports: ${[...server].join(', ')}`);
    for (const name of [...element, ...server].filter(name => name !== 'better-auth' && name !== 'react')) {
      assert.ok(name in dependencies, `${name} is imported by src/ but is ${name in devDependencies ? 'only a dev dependency' : 'not a dependency'}`);
    }
  });

  test('the Better Auth plugin uses the site\'s own better-auth: a peer dependency, and nothing else imports it', () => {
    assert.ok(importsOf('src/server/').has('better-auth'));
    assert.ok('better-auth' in peerDependencies && !('better-auth' in dependencies));
    assert.ok(!importsOf('src/').has('better-auth'), 'the browser entries need no better-auth');
  });

  test("React is the site's own: an optional peer dependency, imported by auth-chatkit/react and the JSX typing only", () => {
    assert.ok('react' in peerDependencies && peerDependenciesMeta.react?.optional && !('react' in dependencies));
    const importers = readdirSync(new URL('src/', root)).filter(name => name.endsWith('.ts') && importedPackages(readFileSync(new URL(`src/${name}`, root), 'utf8')).includes('react'));
    assert.deepEqual(importers, ['jsx.ts', 'react.ts']);
    assert.match(readFileSync(new URL('src/jsx.ts', root), 'utf8'), /^import type .* from 'react';$/m, 'the typing imports types only');
  });

  test('the Agents SDK is an optional peer, loaded by auth-chatkit/agents alone (never by auth-chatkit/server nor the browser entries)', () => {
    assert.ok(importsOf('src/server/agents/').has('@openai/agents'), 'the bridge imports the SDK');
    assert.equal(peerDependencies['@openai/agents'], '>=0.14.3 <0.16');
    assert.equal(peerDependenciesMeta['@openai/agents']?.optional, true);
    assert.ok(!('@openai/agents' in dependencies));
    const src = fileURLToPath(new URL('src/', root));
    const files = (readdirSync(src, { recursive: true }) as string[]).filter(name => name.endsWith('.ts'));
    const importers = files.filter(name => importedPackages(readFileSync(join(src, name), 'utf8')).some(pkg => pkg.startsWith('@openai/agents')));
    assert.ok(importers.length > 0);
    for (const name of importers) assert.match(relative(src, join(src, name)), /^server\/agents\//, `${name} imports the SDK`);
    assert.deepEqual(exports['./agents'], {
      types: './dist/lib/server/agents/index.d.ts',
      workerd: './dist/lib/server/agents/index.js',
      worker: './dist/lib/server/agents/index.js',
      deno: './dist/lib/server/agents/index.js',
      bun: './dist/lib/server/agents/index.js',
      node: './dist/lib/server/agents/index.js',
      browser: null,
    });
  });
});
