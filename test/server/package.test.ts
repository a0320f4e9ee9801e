// The package as bundler users install it: everything the element's modules import (code or
// types: the published .d.ts files import the same) must come with it as a dependency, or a
// consumer's type check fails on a module it cannot find.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, test } from 'node:test';

const root = new URL('../../', import.meta.url);
const { dependencies = {}, devDependencies = {} } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};

/** Package names imported by `source` (`from 'x'`, `import 'x'`, `import('x')`), relative paths left out. */
function importedPackages(source: string): string[] {
  const specifiers = [...source.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"./][^'"]*)['"]/g)].map(match => match[1]!);
  return specifiers.map(specifier => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/'));
}

describe('package', () => {
  const sources = readdirSync(new URL('src/', root)).filter(name => name.endsWith('.ts'));

  test('every package the element imports is a dependency, not a dev dependency', () => {
    const imported = new Set(sources.flatMap(name => importedPackages(readFileSync(new URL(`src/${name}`, root), 'utf8'))));
    assert.ok(imported.has('lit') && imported.has('@openai/chatkit'), `read the imports: ${[...imported].join(', ')}`);
    for (const name of imported) {
      assert.ok(name in dependencies, `${name} is imported by src/ but is ${name in devDependencies ? 'only a dev dependency' : 'not a dependency'}`);
    }
  });
});
