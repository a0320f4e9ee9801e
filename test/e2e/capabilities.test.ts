// Every capability of the package's ChatKit server, end to end: the demo page in Chromium, the
// offline stand-in driving the protocol, the demo backend's offline responder answering each command
// (widget, tasks, sources, tool, form, notice, fail) as a person would try them from the page.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DemoPage, launchBrowser, startDemo, uniqueEmail } from './support.js';
import type { Demo } from './support.js';

describe('the offline responder’s commands, end to end', () => {
  let browser: Browser;
  let demo: Demo;
  let demoPage: DemoPage;
  let page: Page;
  /** The protocol request types the server received, in order. */
  const sent: string[] = [];

  before(async () => {
    browser = await launchBrowser();
    demo = await startDemo();
    demoPage = await DemoPage.open(browser, demo);
    page = demoPage.page;
    // read where they arrive (the page's authorized fetch sends bodies the browser's tools cannot show)
    const handle = demo.app.fetch.bind(demo.app);
    demo.app.fetch = async request => {
      if (request.method === 'POST' && new URL(request.url).pathname === '/chatkit') {
        sent.push(((await request.clone().json()) as { type: string }).type);
      }
      return handle(request);
    };
    await demoPage.signUp('Ada Lovelace', uniqueEmail('ada'));
    await demoPage.waitForState('ready');
    // every progress note shown, in order
    await demoPage.recordProgressNotes();
  });
  after(async () => {
    assert.deepEqual(demoPage.pageErrors, []);
    await browser.close();
    await demo.stop();
  });

  /** What was sent, the thread list's refreshes left out. */
  const requests = () => sent.filter(type => type !== 'threads.list' && type !== 'threads.get_by_id');
  const chat = () => page.locator('openai-chatkit');
  const lastAssistant = () => chat().locator('li.assistant').last();
  const responsesEnded = async () => (await demoPage.record()).responsesEnded;
  const untilResponses = (count: number) =>
    page.waitForFunction(n => (window as unknown as { record: { responsesEnded: number } }).record.responsesEnded >= n, count, { timeout: 10_000 });
  const progressNotes = () => demoPage.takeProgressNotes();
  const newChat = () => chat().getByRole('button', { name: 'New chat' }).click();
  /** Sends `text` from the composer and waits for the reply's end (whatever it holds). */
  const say = async (text: string) => {
    const before = await responsesEnded();
    const composer = chat().locator('textarea#composer');
    await composer.fill(text);
    await composer.press('Enter');
    await untilResponses(before + 1);
  };

  it('widget: a card whose buttons are answered by a streamed reply and, without streaming, by the updated card', async () => {
    await newChat();
    assert.match(await demoPage.send('widget'), /Above is a widget/);
    const card = chat().locator('li.widget');
    await card.getByText('A widget from the offline responder').waitFor();
    assert.equal(await card.getByText('Not updated yet.').count(), 1);

    // streaming: false -> threads.sync_custom_action, answered by the updated item, no stream
    const before = await responsesEnded();
    await card.getByRole('button', { name: 'Update the card' }).click();
    await card.getByText('Updated 1 time by threads.sync_custom_action.').waitFor();
    await card.getByRole('button', { name: 'Update the card' }).click();
    await card.getByText('Updated 2 times by threads.sync_custom_action.').waitFor();
    assert.equal(await responsesEnded(), before, 'no streamed response');
    assert.deepEqual(sent.filter(type => type.endsWith('custom_action')), ['threads.sync_custom_action', 'threads.sync_custom_action']);

    // the other button -> threads.custom_action, a streamed reply
    await card.getByRole('button', { name: 'Stream a reply' }).click();
    await untilResponses(before + 1);
    assert.equal(requests().at(-1), 'threads.custom_action');
    assert.match(await lastAssistant().innerText(), /You pressed Stream a reply on the card: this answer is the server's action hook, streamed \(threads\.custom_action\)\./);

    // the updated card was kept: the thread read again shows it
    const title = await chat().locator('header .title').innerText();
    await newChat();
    await chat().locator('select').selectOption({ label: title });
    await chat().locator('li.widget').getByText('Updated 2 times by threads.sync_custom_action.').waitFor();
  });

  it('tasks: progress updates, a workflow of three tasks each finished, then the answer', async () => {
    await newChat();
    await progressNotes();
    assert.match(await demoPage.send('tasks'), /^Done: the workflow above ran 3 tasks/);
    assert.deepEqual((await progressNotes()).filter(note => note !== 'Thinking...'), ['Planning the work…', 'Writing the answer…']);
    const workflow = chat().locator('li.workflow');
    assert.equal(await workflow.locator('summary').innerText(), 'Worked through 3 tasks');
    assert.deepEqual(await workflow.locator('.tasks > li').evaluateAll(tasks => tasks.map(task => `${task.getAttribute('data-status')} ${task.textContent}`)), [
      'complete ✓ Read the question',
      'complete ✓ Look things up',
      'complete ✓ Write the answer',
    ]);
  });

  it('sources: the answer cites a URL source and an entity source', async () => {
    await newChat();
    assert.match(await demoPage.send('sources'), /^ChatKit draws the sources an answer cites/);
    const sources = lastAssistant().locator('ol.sources > li');
    assert.equal(await sources.count(), 2);
    const link = sources.nth(0).locator('a');
    assert.equal(await link.getAttribute('href'), 'https://openai.github.io/chatkit-js/');
    assert.equal(await link.innerText(), 'ChatKit custom backends');
    assert.equal(await sources.nth(1).getAttribute('data-source-type'), 'entity');
    assert.match(await sources.nth(1).innerText(), /Ada Lovelace \(Your account\)/);
  });

  it('tool: the page answers get_page_info through onClientTool, and the reply quotes it', async () => {
    await newChat();
    const before = await responsesEnded();
    await say('tool');
    await untilResponses(before + 2);
    assert.deepEqual(requests().slice(-2), ['threads.create', 'threads.add_client_tool_output']);
    assert.equal(await chat().locator('li.client-tool-call').innerText(), 'Tool get_page_info: the page answered');
    assert.equal(await lastAssistant().innerText(), `The page answered get_page_info: its title is “auth-chatkit demo” and its URL is ${demo.url}/?stand-in=1.`);
  });

  it('form: the answers are quoted; a skipped form is said to be skipped', async () => {
    await newChat();
    await say('form');
    const form = chat().locator('li.structured-input form');
    await form.getByLabel('Green').check();
    await form.getByRole('textbox', { name: 'Anything to add?' }).fill('Purple too');
    const before = await responsesEnded();
    await form.getByRole('button', { name: 'Submit' }).click();
    await untilResponses(before + 1);
    assert.equal(await lastAssistant().innerText(), 'You answered: Which colour do you like best? “Green”; Anything to add? “Purple too”.');
    // the answered form shows what was answered, in place
    assert.match(await chat().locator('li.structured-input').innerText(), /Which colour do you like best\?\s+Green/);

    await say('form');
    const again = await responsesEnded();
    await chat().locator('li.structured-input form').getByRole('button', { name: 'Skip' }).click();
    await untilResponses(again + 1);
    assert.equal(await lastAssistant().innerText(), 'You skipped the form.');
    assert.equal(sent.filter(type => type === 'threads.add_structured_input').length, 2);
  });

  it('notice: a notice, then a short answer', async () => {
    await newChat();
    assert.equal(await demoPage.send('notice'), 'A notice went out before this answer.');
    const shown = chat().locator('li.notice-info');
    assert.equal(await shown.innerText(), 'Heads up: This is a **notice** from the offline responder.');
    assert.equal(await shown.getAttribute('role'), 'status');
  });

  it('fail: an in-band custom error that allows retry; the retry is answered', async () => {
    await newChat();
    const errorsBefore = (await demoPage.record()).chatErrors.length;
    await say('fail');
    const error = chat().locator('li.error');
    assert.match(await error.innerText(), /The offline responder failed on purpose \(you typed "fail"\)\. Retry to get an answer\./);
    assert.equal(await chat().locator('li.assistant').count(), 0, 'no answer');
    assert.equal((await demoPage.record()).chatErrors.length, errorsBefore + 1, 'chatkit.error dispatched');
    const before = await responsesEnded();
    await error.getByRole('button', { name: 'Retry' }).click();
    await untilResponses(before + 1);
    assert.equal(sent.filter(type => type === 'threads.retry_after_item').length, 1);
    assert.equal(await lastAssistant().innerText(), 'Retried: this time the answer came through.');
    assert.equal(await chat().locator('li.error').count(), 0, 'the error went with the retry');
    assert.equal(demo.chatAnswers(500), 0);
  });
});
