import { fileTypeFromBuffer } from 'file-type/core';

/** Types accepted when the server is given no list: common images, PDF and plain text formats. */
export const defaultAccept = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain', 'text/markdown', 'text/csv', 'application/json'];

// Formats with no magic number: believed when the bytes are UTF-8 text (no NUL) that no signature matches.
const textTypes = new Set(['text/plain', 'text/markdown', 'text/csv', 'application/json']);

/** Raster images a browser displays inline without running anything (no SVG). */
export const rasterImages = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp']);

/** `type/subtype` in lower case, parameters dropped; undefined when not a MIME type. */
export function essence(mimeType: string): string | undefined {
  const type = mimeType.split(';')[0]!.trim().toLowerCase();
  return /^[a-z]+\/[\w.+-]+$/.test(type) ? type : undefined;
}

/** Whether `type` is on the list (`image/png`, or a pattern like `image/*`). */
export function accepted(type: string, accept: readonly string[]): boolean {
  return accept.some(pattern => pattern === type || (pattern.endsWith('/*') && type.startsWith(pattern.slice(0, -1))));
}

/**
 * The real type of uploaded bytes, checked against the declared type: the signature found by
 * `file-type` must be the declared type; a text type needs UTF-8 without NUL and no signature.
 * Answers a message for the user when the bytes are something else.
 */
export async function checkContent(data: Uint8Array, declared: string): Promise<{ mimeType: string } | { refused: string }> {
  const found = (await fileTypeFromBuffer(data))?.mime;
  if (found) return found === declared ? { mimeType: found } : { refused: `The file's content is ${found}, not the ${declared} it was sent as.` };
  if (textTypes.has(declared) && isText(data)) return { mimeType: declared };
  return { refused: `The file's content is not ${declared}.` };
}

function isText(data: Uint8Array): boolean {
  if (data.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(data);
    return true;
  } catch {
    return false;
  }
}
