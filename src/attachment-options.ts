import type { ChatKitOptions } from '@openai/chatkit';
import { AuthChatKitError } from './errors.js';

/** ChatKit's composer attachment settings (`composer.attachments`). */
export type AttachmentOptions = NonNullable<NonNullable<ChatKitOptions['composer']>['attachments']>;

// Where an extension given alone goes in ChatKit's MIME-type -> extensions map. Only extensions
// whose type is unambiguous; any other needs its MIME type in the list too.
const extensionTypes: Record<string, string> = {
  txt: 'text/plain', md: 'text/markdown', csv: 'text/csv', json: 'application/json', pdf: 'application/pdf',
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
};

const units: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/**
 * Bytes from `10MB` style text: a plain number is bytes; KB/MB/GB are decimal (1 MB = 1,000,000 B),
 * KiB/MiB/GiB binary (1 MiB = 1,048,576 B), case-insensitive. Undefined for anything else (or < 1 B).
 */
export function parseByteSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?) ?([kmg]i?b|b)?$/i.exec(text);
  const bytes = match && Number(match[1]) * units[(match[2] ?? 'b').toLowerCase()]!;
  return bytes && bytes >= 1 && Number.isInteger(bytes) ? bytes : undefined;
}

/**
 * The composer's attachment settings from the attributes: `accept`, a comma list like the `accept` of
 * `<input type=file>` (`image/*,application/pdf,.txt`), mapped onto ChatKit's MIME type -> extensions
 * map with nothing added (`.txt` goes under `text/plain`); the limits as `parseByteSize` and a count.
 * Throws AuthChatKitError('config') naming the attribute.
 */
export function attachmentOptions(accept: string | undefined, maxSize: string | undefined, maxCount: string | undefined): AttachmentOptions | undefined {
  if (accept === undefined) {
    const stray = maxSize !== undefined ? 'attachment-max-size' : maxCount !== undefined ? 'attachment-max-count' : undefined;
    if (stray) fail(`${stray} needs attachments: the list of accepted types, e.g. attachments="image/*,application/pdf".`);
    return undefined;
  }
  const entries = accept.split(',').map(item => item.trim()).filter(Boolean);
  if (!entries.length) fail(`attachments "${accept}" lists no type, e.g. attachments="image/*,application/pdf".`);
  const map: Record<string, string[]> = {};
  for (const entry of entries) {
    if (/^[a-z]+\/(\*|[\w.+-]+)$/i.test(entry)) {
      map[entry.toLowerCase()] ??= [];
      continue;
    }
    const type = /^\.\w+$/.test(entry) ? extensionTypes[entry.slice(1).toLowerCase()] : undefined;
    if (!type) fail(`attachments "${entry}" is neither a MIME type (image/png, image/*) nor a known extension (${Object.keys(extensionTypes).map(e => `.${e}`).join(' ')}).`);
    (map[type] ??= []).push(entry.toLowerCase());
  }
  const options: AttachmentOptions = { enabled: true, accept: map };
  if (maxSize !== undefined) {
    options.maxSize = parseByteSize(maxSize) ?? fail(`attachment-max-size "${maxSize}" is not a size: bytes, or like 10MB (KB, MB, GB decimal; KiB, MiB, GiB binary).`);
  }
  if (maxCount !== undefined) {
    if (!/^[1-9]\d*$/.test(maxCount)) fail(`attachment-max-count "${maxCount}" is not a whole number of files (1 or more).`);
    options.maxCount = Number(maxCount);
  }
  return options;
}

function fail(message: string): never {
  throw new AuthChatKitError('config', message);
}
