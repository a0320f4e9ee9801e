// JSON Schema 2020-12 validators for ChatKit's wire format, from chatkit-schema/ (generated from
// chatkit-python 1.6.5's types; see chatkit-schema/SOURCE.md).
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import Ajv2020 from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';

export const schemaDir = new URL('./chatkit-schema/', import.meta.url);

// pydantic's `discriminator` annotations are not JSON Schema: strict off lets ajv ignore them; the
// oneOf beside each one still does the checking.
const ajv = new Ajv2020({ strict: false, allErrors: true });
// RFC 3339 date-time, offset required (the reference's naive times would not pass; ours must)
ajv.addFormat('date-time', {
  type: 'string',
  validate: value => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value) && !Number.isNaN(Date.parse(value)),
});
ajv.addFormat('uri', {
  type: 'string',
  validate: value => URL.canParse(value),
});

function load(name: string): ValidateFunction {
  return ajv.compile(JSON.parse(readFileSync(new URL(`${name}.schema.json`, schemaDir), 'utf8')) as object);
}

export const schemas = {
  streamEvent: load('stream-event'),
  thread: load('thread'),
  threadMetadata: load('thread-metadata'),
  threadsPage: load('threads-page'),
  itemsPage: load('items-page'),
  request: load('request'),
  attachment: load('attachment'),
  syncCustomActionResponse: load('sync-custom-action-response'),
  transcriptionResult: load('transcription-result'),
};

export function assertValid(validate: ValidateFunction, value: unknown, what = 'value'): void {
  if (!validate(value)) {
    assert.fail(`${what} does not match its schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value).slice(0, 600)}`);
  }
  assertNoNulls(value, what);
}

/** ChatKit omits null fields; the reference server never sends `null`. */
export function assertNoNulls(value: unknown, path = 'value'): void {
  assert.notEqual(value, null, `${path} is null (null fields must be omitted)`);
  if (typeof value !== 'object' || value === null) return;
  for (const [key, child] of Object.entries(value)) assertNoNulls(child, `${path}.${key}`);
}
