// README's "An agent behind the chat": its first file, as printed (package imports mapped to this
// checkout), run with the SDK's default `run` on OPENAI_BASE_URL = the Responses API stand-in and
// AUTH_URL = a JWKS on loopback. A question answered with a tool call and a client tool call.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { ChatKitServer, ClientToolCallItem } from '../../src/server/chatkit/index.js';
import { startAuth, stream, threadIdOf, userInput } from './agents-harness.js';
import type { TestAuth } from './agents-harness.js';
import { LIMIT } from './helpers.js';
import { startResponsesStandIn } from './responses-stand-in.js';
import type { InputItem, ResponsesStandIn } from './responses-stand-in.js';

const generated = new URL('./.readme-agent-example.generated.ts', import.meta.url);
const saved = { ...process.env };
let standIn: ResponsesStandIn;
let auth: TestAuth;

/** The section's first TypeScript block. */
function readmeExample(): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.split(/^## /m).find(part => part.startsWith('An agent behind the chat\n'));
  assert.ok(section, 'README.md has an "An agent behind the chat" section');
  const block = /^```ts\n([\s\S]*?)^```$/m.exec(section)?.[1];
  assert.ok(block, 'the section has a TypeScript block');
  return block;
}

before(async () => {
  standIn = await startResponsesStandIn();
  auth = await startAuth();
  Object.assign(process.env, { OPENAI_API_KEY: 'sk-test-key', OPENAI_BASE_URL: standIn.url, AUTH_URL: auth.authUrl });
  const source = readmeExample()
    .replace("from 'auth-chatkit/server'", "from '../../src/server/index.js'")
    .replace("from 'auth-chatkit/agents'", "from '../../src/server/agents/index.js'");
  writeFileSync(generated, source);
});
after(async () => {
  rmSync(generated, { force: true });
  process.env = saved;
  await standIn.close();
  await auth.close();
});

test('the README’s agent: about thirty lines; a tool call, then a client tool call answered by the page', LIMIT, async () => {
  const lines = readmeExample().trim().split('\n').length;
  assert.ok(lines <= 40, `${lines} lines`);
  const { chatkit } = (await import(generated.href)) as { chatkit: ChatKitServer };
  const token = await auth.token({ sub: 'user-7', name: 'Ada', plan: 'pro' });
  const replies = [
    { output: [{ type: 'function_call' as const, name: 'whoami', arguments: {}, callId: 'call_who' }] },
    { output: [{ type: 'function_call' as const, name: 'get_page_info', arguments: {}, callId: 'call_page' }] },
    { output: [{ type: 'message' as const, deltas: ['Ada, on the pricing page.'] }] },
  ];
  standIn.model = () => replies.shift() ?? { fail: 'http', status: 500, message: 'out of script' };

  const events = await stream(chatkit, token, { type: 'threads.create', params: { input: userInput('Who am I, and where?') } });
  assert.deepEqual(events.filter(event => event.type === 'progress_update').map(event => event.text), ['whoami', 'get_page_info']);
  const inputOf = (index: number) => standIn.requests[index]!.body.input as InputItem[];
  const claims = JSON.parse(String(inputOf(1).find(item => item.type === 'function_call_output')?.output)) as Record<string, unknown>;
  assert.deepEqual([claims.sub, claims.name, claims.plan], ['user-7', 'Ada', 'pro'], 'the verified claims reached the tool');
  const pending = events.at(-1);
  assert.ok(pending?.type === 'thread.item.done' && pending.item.type === 'client_tool_call');
  assert.equal((pending.item as ClientToolCallItem).call_id, 'call_page');

  const resumed = await stream(chatkit, token, { type: 'threads.add_client_tool_output', params: { thread_id: threadIdOf(events), result: { title: 'Pricing' } } });
  const done = resumed.find(event => event.type === 'thread.item.done');
  assert.ok(done?.type === 'thread.item.done' && done.item.type === 'assistant_message');
  assert.equal(done.item.content[0]!.text, 'Ada, on the pricing page.');
  assert.deepEqual(standIn.requests.map(request => request.status), [200, 200, 200]);
  const output = inputOf(2).find(item => item.type === 'function_call_output');
  assert.deepEqual([output?.call_id, output?.output], ['call_page', '{"title":"Pricing"}']);
  assert.ok(standIn.requests.every(request => request.authorization === 'Bearer sk-test-key'));
});
