// The demo's OpenAI responder (an Agents SDK agent through auth-chatkit/agents) end to end: the demo
// page in Chromium, <auth-chatkit> with the offline ChatKit stand-in, the demo backend with
// OPENAI_API_KEY and OPENAI_BASE_URL on the Responses API stand-in. One question answered with a tool
// call (whoami, the verified claims), a widget (the profile card) and a client tool call
// (get_page_info, answered by the page's onClientTool), then the agent's answer quoting the page.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { startResponsesStandIn } from '../server/responses-stand-in.js';
import type { InputItem, ResponsesStandIn } from '../server/responses-stand-in.js';
import { DemoPage, launchBrowser, startDemo, uniqueEmail } from './support.js';
import type { Demo } from './support.js';

describe('the demo’s agent, end to end', () => {
  let browser: Browser;
  let standIn: ResponsesStandIn;
  let demo: Demo;
  const sent: string[] = [];

  before(async () => {
    standIn = await startResponsesStandIn();
    browser = await launchBrowser();
    demo = await startDemo({ OPENAI_API_KEY: 'sk-test-key', OPENAI_BASE_URL: standIn.url });
    const handle = demo.app.fetch.bind(demo.app);
    demo.app.fetch = async request => {
      if (request.method === 'POST' && new URL(request.url).pathname === '/chatkit') sent.push(((await request.clone().json()) as { type: string }).type);
      return handle(request);
    };
  });
  after(async () => {
    await browser.close();
    await demo.stop();
    await standIn.close();
  });

  it('a question answered with a tool call, a widget and a client tool call through <auth-chatkit>', async () => {
    // The model's side of the conversation: each call answered in turn, the last quoting the page's answer.
    const calls = ['whoami', 'show_profile_card', 'get_page_info'];
    standIn.model = request => {
      const name = calls.shift();
      if (name) return { output: [{ type: 'function_call', name, arguments: {} }] };
      const input = request.input as InputItem[];
      const page = JSON.parse(String(input.findLast(item => item.type === 'function_call_output')?.output)) as { title: string };
      return { output: [{ type: 'message', deltas: ['You are Grace Hopper, ', `on “${page.title}”.`] }] };
    };
    const demoPage = await DemoPage.open(browser, demo);
    const { page } = demoPage;
    await demoPage.signUp('Grace Hopper', uniqueEmail('grace'));
    await demoPage.waitForState('ready');
    await demoPage.recordProgressNotes();

    const composer = page.locator('openai-chatkit textarea#composer');
    await composer.fill('Who am I, and where is this chat?');
    await composer.press('Enter');
    // two replies: the turn that ends at the client tool, and the one its output starts
    await page.waitForFunction(() => (window as unknown as { record: { responsesEnded: number } }).record.responsesEnded >= 2, undefined, { timeout: 15_000 });
    const chat = page.locator('openai-chatkit');
    await chat.locator('li.assistant', { hasText: 'You are Grace Hopper, on “auth-chatkit demo”.' }).waitFor();

    assert.deepEqual(
      sent.filter(type => type !== 'threads.list' && type !== 'threads.get_by_id'),
      ['threads.create', 'threads.add_client_tool_output'],
    );
    const notes = await demoPage.takeProgressNotes();
    assert.deepEqual(notes, ['Checking who you are…', 'Drawing your card…', 'Asking the page…']);
    assert.match(await chat.locator('li.widget').innerText(), /Grace Hopper/);
    assert.equal(await chat.locator('li.client-tool-call').innerText(), 'Tool get_page_info: the page answered');

    // what the model was given: the verified claims from whoami, the page's own answer for its call
    const whoami = (standIn.requests[1]!.body.input as InputItem[]).find(item => item.type === 'function_call_output');
    assert.match(String(whoami?.output), /"name":"Grace Hopper"/);
    const pageCall = (standIn.requests[3]!.body.input as InputItem[]).filter(item => item.type === 'function_call' || item.type === 'function_call_output');
    assert.equal(pageCall.length, 2);
    assert.equal(pageCall[0]!.call_id, pageCall[1]!.call_id);
    assert.equal(JSON.parse(String(pageCall[1]!.output)).url, `${demo.url}/?stand-in=1`);
    assert.ok(standIn.requests.every(request => request.status === 200 && request.body.store === false));

    const record = await demoPage.record();
    assert.deepEqual(record.chatErrors, []);
    assert.deepEqual(demoPage.pageErrors, []);
  });
});
