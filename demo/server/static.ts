// The demo page's files: GET / is demo/page/index.html; any other path is looked up in demo/page/,
// then dist/, then dist/demo/ (all relative to the repository, not the working directory). Only
// regular files inside those folders; no dot files, no way out with `..`; Cache-Control: no-cache.
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

export const STATIC_ROOTS = ['demo/page', 'dist', 'dist/demo'].map(dir => resolve(repositoryRoot, dir));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** The file for a URL path, or undefined when there is none (the caller answers 404). */
export async function serveStatic(pathname: string, roots: readonly string[] = STATIC_ROOTS): Promise<Response | undefined> {
  const segments = safeSegments(pathname === '/' ? '/index.html' : pathname);
  if (!segments) return undefined;
  for (const root of roots) {
    const file = join(root, ...segments);
    if (!file.startsWith(root + sep)) continue;
    try {
      if (!(await stat(file)).isFile()) continue;
      const body = await readFile(file);
      return new Response(body, {
        headers: {
          'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
          'Cache-Control': 'no-cache',
          'X-Content-Type-Options': 'nosniff',
        },
      });
    } catch {
      // not in this root
    }
  }
  return undefined;
}

/** The decoded path segments, or undefined for anything that could leave the folder or is hidden. */
function safeSegments(pathname: string): string[] | undefined {
  let segments: string[];
  try {
    segments = pathname.split('/').filter(Boolean).map(segment => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
  if (segments.length === 0) return undefined;
  const unsafe = (segment: string) => segment.startsWith('.') || /[\\/\0]/.test(segment);
  return segments.some(unsafe) ? undefined : segments;
}
