// The Responses API stand-in refuses what OpenAI's API refuses (so that the bridge's tests can fail
// on a request the real API would not take), through the real `openai` client.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { startResponsesStandIn } from './responses-stand-in.js';
import type { ResponsesStandIn } from './responses-stand-in.js';

let standIn: ResponsesStandIn;
let client: OpenAI;
before(async () => {
  standIn = await startResponsesStandIn();
  client = new OpenAI({ apiKey: 'sk-test-key', baseURL: standIn.url, maxRetries: 0 });
});
after(() => standIn.close());

const refused = async (request: Promise<unknown>, status: number, message: RegExp) => {
  await assert.rejects(request, (error: unknown) => error instanceof OpenAI.APIError && error.status === status && message.test(error.message));
};

test('previous_response_id: a stored response continues; one made with store: false is not found (404)', async () => {
  standIn.model = () => ({ output: [{ type: 'message', deltas: ['Hi.'] }] });
  const kept = await client.responses.create({ model: 'gpt-4.1-mini', input: 'hi' });
  await client.responses.create({ model: 'gpt-4.1-mini', input: 'again', previous_response_id: kept.id });
  const unstored = await client.responses.create({ model: 'gpt-4.1-mini', input: 'hi', store: false });
  await refused(client.responses.create({ model: 'gpt-4.1-mini', input: 'again', previous_response_id: unstored.id }), 404, /Previous response with id '.+' not found/);
});

test('tool calls and outputs must pair up, as the API checks', async () => {
  standIn.model = () => ({ output: [{ type: 'function_call', name: 'f', arguments: {}, callId: 'call_a' }] });
  const first = await client.responses.create({ model: 'gpt-4.1-mini', input: 'call f' });
  await refused(client.responses.create({ model: 'gpt-4.1-mini', input: 'go on', previous_response_id: first.id }), 400, /No tool output found for function call call_a/);
  await refused(
    client.responses.create({ model: 'gpt-4.1-mini', input: [{ type: 'function_call_output', call_id: 'call_x', output: '1' }] }),
    400,
    /No tool call found for function call output with call_id call_x/,
  );
  standIn.model = () => ({ output: [{ type: 'message', deltas: ['Done.'] }] });
  await client.responses.create({ model: 'gpt-4.1-mini', input: [{ type: 'function_call_output', call_id: 'call_a', output: '1' }], previous_response_id: first.id });
});

test('reasoning: options refused on a model that does not reason; reasoning items sent back need storage or their encrypted content', async () => {
  await refused(client.responses.create({ model: 'gpt-4.1-mini', input: 'x', reasoning: { effort: 'low' } }), 400, /Unsupported parameter: 'reasoning.effort'/);
  standIn.model = () => ({ output: [{ type: 'reasoning', summary: ['Hm.'] }, { type: 'message', deltas: ['Yes.'] }] });
  const bare = await client.responses.create({ model: 'gpt-5-mini', input: 'x', store: false, reasoning: { summary: 'auto' } });
  const reasoning = bare.output[0] as { id: string; type: 'reasoning'; summary: { type: 'summary_text'; text: string }[] };
  assert.deepEqual(reasoning.summary, [{ type: 'summary_text', text: 'Hm.' }]);
  await refused(client.responses.create({ model: 'gpt-5-mini', input: [reasoning, { role: 'user', content: 'more' }], store: false }), 404, /Items are not persisted when `store` is set to false/);
  const encrypted = await client.responses.create({ model: 'gpt-5-mini', input: 'x', store: false, include: ['reasoning.encrypted_content'] });
  const withContent = encrypted.output[0] as typeof reasoning & { encrypted_content: string };
  assert.ok(withContent.encrypted_content);
  assert.deepEqual(withContent.summary, [], 'no summary unless asked for');
  await client.responses.create({ model: 'gpt-5-mini', input: [withContent, { role: 'user', content: 'more' }], store: false });
});
