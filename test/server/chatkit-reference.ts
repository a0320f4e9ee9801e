// The reference transcript (chatkit-schema/reference-transcript-full.txt: chatkit-python 1.6.5's
// `process()` over every request type) read into sections, and the comparison of our answers with its
// answers: same events in the same order, same fields present in the same order, same values, ids and
// timestamps aside (ids are mapped one to one as they first appear; times must be ISO-8601 with an
// offset, the reference's are naive).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { schemaDir } from './schemas.js';

export interface Section {
  title: string;
  /** The request body (`>>> ...`), or the store read (`>>> # ...`). */
  request?: string;
  /** The streamed events, when the answer was a stream. */
  events?: unknown[];
  /** The JSON lines of a non-streamed answer or a store read. */
  json?: unknown[];
  /** What process() raised (`!! ...`). */
  raised?: string;
}

export function readTranscript(): Section[] {
  const text = readFileSync(new URL('reference-transcript-full.txt', schemaDir), 'utf8');
  const sections: Section[] = [];
  let current: Section | undefined;
  let inTrace = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('===== ')) {
      current = { title: line.slice(6) };
      sections.push(current);
      inTrace = false;
      continue;
    }
    if (!current || line === '') continue;
    if (line.startsWith('# trace:')) inTrace = true;
    if (inTrace || line.startsWith('#')) continue;
    if (line.startsWith('>>> ')) current.request = line.slice(4);
    else if (line.startsWith('data: ')) (current.events ??= []).push(JSON.parse(line.slice(6)));
    else if (line.startsWith('!! ')) current.raised ??= line.slice(3);
    else if (line.startsWith('{')) (current.json ??= []).push(JSON.parse(line));
  }
  return sections;
}

const REFERENCE_ID = /^(thr|msg|tc|tsk|wf|atc|shcx)_[0-9a-f]{8}$/;
const OUR_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$/;

/** Reference ids and ours, one to one, learned as they first appear. */
export class IdMap {
  private readonly ours = new Map<string, string>();
  private readonly theirs = new Map<string, string>();

  /** Ours for a reference id (undefined when not seen yet). */
  get(reference: string): string | undefined {
    return this.ours.get(reference);
  }

  bind(reference: string, ours: string, path: string): void {
    const known = this.ours.get(reference);
    if (known !== undefined) {
      assert.equal(ours, known, `${path}: reference id ${reference} is ours ${known}, got ${ours}`);
      return;
    }
    assert.ok(!this.theirs.has(ours), `${path}: our id ${ours} already stands for ${this.theirs.get(ours)}, not ${reference}`);
    assert.match(ours, new RegExp(`^${reference.split('_')[0]}_[0-9a-f]{16}$`), `${path}: our id has the reference's prefix`);
    this.ours.set(reference, ours);
    this.theirs.set(ours, reference);
  }

  /** The request with every reference id replaced by ours (ids never seen, like thr_missing, stay). */
  rewrite(request: string): string {
    return request.replace(/\b(thr|msg|tc|tsk|wf|atc|shcx)_[0-9a-f]{8}\b/g, id => this.ours.get(id) ?? id);
  }
}

/**
 * Asserts `ours` is `reference` but for ids and times: the same keys in the same order (present and
 * absent fields alike), the same values; reference ids bound to ours; our times ISO-8601 with an offset.
 */
export function assertSameShape(reference: unknown, ours: unknown, ids: IdMap, path = '$'): void {
  if (Array.isArray(reference)) {
    assert.ok(Array.isArray(ours), `${path}: expected an array, got ${JSON.stringify(ours)}`);
    assert.equal(ours.length, reference.length, `${path}: expected ${reference.length} entries, got ${ours.length}: ${JSON.stringify(ours).slice(0, 400)}`);
    reference.forEach((entry, index) => assertSameShape(entry, ours[index], ids, `${path}[${index}]`));
    return;
  }
  if (typeof reference === 'object' && reference !== null) {
    assert.ok(typeof ours === 'object' && ours !== null && !Array.isArray(ours), `${path}: expected an object, got ${JSON.stringify(ours)}`);
    assert.deepEqual(Object.keys(ours), Object.keys(reference), `${path}: fields (and their order)`);
    for (const [key, value] of Object.entries(reference)) {
      const child = (ours as Record<string, unknown>)[key];
      if (key === 'created_at') assert.match(String(child), OUR_TIME, `${path}.created_at: ISO-8601 with an offset`);
      else assertSameShape(value, child, ids, `${path}.${key}`);
    }
    return;
  }
  if (typeof reference === 'string' && REFERENCE_ID.test(reference)) {
    assert.equal(typeof ours, 'string', `${path}: expected an id`);
    ids.bind(reference, ours as string, path);
    return;
  }
  // ids inside strings (upload URLs, storage keys) are the ids seen before, in our spelling
  assert.deepEqual(ours, typeof reference === 'string' ? ids.rewrite(reference) : reference, path);
}
