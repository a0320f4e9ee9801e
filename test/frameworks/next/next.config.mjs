import { fileURLToPath } from 'node:url';

// The apps share test/frameworks/node_modules: that folder is the project root.
const root = fileURLToPath(new URL('..', import.meta.url));

export default { turbopack: { root }, outputFileTracingRoot: root };
