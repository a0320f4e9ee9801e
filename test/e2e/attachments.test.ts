// Attachments end to end: the stand-in uploads through the widget's authorized fetch exactly as
// ChatKit's runtime does, the demo backend checks and keeps the bytes, the offline responder lists
// them with their SHA-256, previews load in an <img> with no header, and nobody else sees them.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { pdf, png, svg } from '../server/attachment-fixtures.js';
import { DemoPage, launchBrowser, startDemo, uniqueEmail, type Demo } from './support.js';

const hash = (data: Uint8Array) => createHash('sha256').update(data).digest('hex').slice(0, 12);

/** Picks files in the stand-in's composer, as a person does with its file button. */
async function attach(page: Page, files: { name: string; mimeType: string; buffer: Buffer }[]): Promise<void> {
  await page.locator('openai-chatkit input[type=file]').setInputFiles(files);
}

const pngFile = { name: 'dot.png', mimeType: 'image/png', buffer: Buffer.from(png) };
const pdfFile = { name: 'paper.pdf', mimeType: 'application/pdf', buffer: Buffer.from(pdf) };

describe('attachments, end to end', () => {
  let browser: Browser;
  let demo: Demo;
  before(async () => {
    browser = await launchBrowser();
    demo = await startDemo({}, { attachmentMaxBytes: 100_000 });
  });
  after(async () => {
    await demo.stop();
    await browser.close();
  });

  it('a PNG and a PDF: listed with their hashes, shown after a reload with the preview, invisible to another user', async () => {
    const demoPage = await DemoPage.open(browser, demo);
    const { page } = demoPage;
    await demoPage.signUp('Ada Lovelace', uniqueEmail('ada'));
    await demoPage.waitForState('ready');
    const uploads: { auth: boolean; url: string }[] = [];
    page.on('request', request => {
      if (request.url().includes('/attachments/') && request.method() === 'PUT') uploads.push({ auth: !!request.headers().authorization, url: request.url() });
    });
    await attach(page, [pngFile, pdfFile]);
    await page.locator('openai-chatkit .pending img[alt="dot.png"]').waitFor();
    const reply = await demoPage.send('Here are two files');
    assert.equal(
      reply,
      `You sent 2 files:\ndot.png: image/png, ${png.byteLength} bytes, SHA-256 ${hash(png)}\npaper.pdf: application/pdf, ${pdf.byteLength} bytes, SHA-256 ${hash(pdf)}`,
    );
    assert.equal(uploads.length, 2);
    assert.ok(uploads.every(upload => upload.auth), "the backend's own upload URL gets the bearer (api.fetch)");

    await page.reload();
    await demoPage.waitForState('ready');
    await page.locator('openai-chatkit select').selectOption({ label: 'Here are two files' });
    const preview = page.locator('openai-chatkit li.user img[alt="dot.png"]');
    await preview.waitFor();
    await page.waitForFunction(() => {
      const image = document.querySelector('auth-chatkit')!.shadowRoot!.querySelector('openai-chatkit')!.shadowRoot!.querySelector<HTMLImageElement>('li.user img');
      return image?.complete && image.naturalWidth === 1;
    });
    assert.equal(await page.locator('openai-chatkit li.user', { hasText: 'paper.pdf' }).count(), 1);
    const previewUrl = (await preview.getAttribute('src'))!;
    await page.close();

    // Another user: the thread is not listed, and Eve's own signature opens none of Ada's attachments.
    const other = await browser.newContext();
    try {
      const evePage = await DemoPage.open(other, demo);
      await evePage.signUp('Eve', uniqueEmail('eve'));
      await evePage.waitForState('ready');
      assert.equal(await evePage.page.locator('openai-chatkit select option', { hasText: 'Here are two files' }).count(), 0);
      await attach(evePage.page, [pngFile]);
      const eveImage = evePage.page.locator('openai-chatkit .pending img');
      await eveImage.waitFor();
      const eveUrl = new URL((await eveImage.getAttribute('src'))!);
      const adaId = new URL(previewUrl).pathname.split('/').at(-1)!;
      const stolen = await evePage.page.evaluate(async url => (await fetch(url)).status, `${eveUrl.origin}${eveUrl.pathname.replace(/[^/]+$/, adaId)}${eveUrl.search}`);
      assert.equal(stolen, 404);
    } finally {
      await other.close();
    }
  });

  it("the direct strategy, chosen through chatkitOptions: multipart with the bearer, then the message", async () => {
    const demoPage = await DemoPage.open(browser, demo);
    const { page } = demoPage;
    await demoPage.signUp('Direct', uniqueEmail('direct'));
    await demoPage.waitForState('ready');
    await page.evaluate(() => {
      const widget = document.querySelector('auth-chatkit') as HTMLElement & { chatkitOptions?: Record<string, unknown> };
      widget.chatkitOptions = { ...widget.chatkitOptions, api: { url: '', domainKey: '', uploadStrategy: { type: 'direct', uploadUrl: `${location.origin}/chatkit/attachments` } } };
    });
    const uploads: { method: string; path: string; auth: boolean }[] = [];
    page.on('request', request => {
      const { pathname } = new URL(request.url());
      if (pathname.startsWith('/chatkit/attachments')) uploads.push({ method: request.method(), path: pathname, auth: !!request.headers().authorization });
    });
    await attach(page, [pngFile]);
    await page.locator('openai-chatkit .pending img[alt="dot.png"]').waitFor();
    const reply = await demoPage.send('Sent directly');
    assert.equal(reply, `You sent one file:\ndot.png: image/png, ${png.byteLength} bytes, SHA-256 ${hash(png)}`);
    assert.deepEqual(uploads.filter(upload => upload.method !== 'GET'), [{ method: 'POST', path: '/chatkit/attachments', auth: true }]);
    await page.close();
  });

  it('a file over the limit, or of a refused type, gets a readable message', async () => {
    const demoPage = await DemoPage.open(browser, demo);
    const { page } = demoPage;
    await demoPage.signUp('Big Files', uniqueEmail('big'));
    await demoPage.waitForState('ready');
    await attach(page, [
      { name: 'huge.png', mimeType: 'image/png', buffer: Buffer.concat([Buffer.from(png), Buffer.alloc(150_000)]) },
      { name: 'drawing.svg', mimeType: 'image/svg+xml', buffer: Buffer.from(svg) },
    ]);
    await page.locator('openai-chatkit .pending li.refused', { hasText: 'huge.png is 0.2 MB: attachments can be up to 0.1 MB.' }).waitFor();
    await page.locator('openai-chatkit .pending li.refused', { hasText: 'drawing.svg: files of type image/svg+xml are not accepted here.' }).waitFor();
    await page.close();
  });

  it('a 401 in the middle of an upload: refreshed once, the same bytes sent again', async () => {
    const demoPage = await DemoPage.open(browser, demo);
    const { page } = demoPage;
    await demoPage.signUp('Retry', uniqueEmail('retry'));
    await demoPage.waitForState('ready');
    const seen: { authorization: string | undefined; sha: string }[] = [];
    let refreshes = 0;
    page.on('request', request => {
      if (seen.length === 1 && new URL(request.url()).pathname === '/api/auth/token') refreshes++;
    });
    await page.route('**/chatkit/attachments/*/upload?*', async route => {
      const request = route.request();
      seen.push({ authorization: request.headers().authorization, sha: hash(request.postDataBuffer() ?? Buffer.alloc(0)) });
      // the token expired on the way: the backend refuses it, as it would an expired one
      if (seen.length === 1) await route.fulfill({ status: 401, contentType: 'application/json', body: '{"error":"The token has expired.","code":"token_expired"}' });
      else await route.continue();
    });
    await attach(page, [pdfFile]);
    await page.locator('openai-chatkit .pending li', { hasText: 'paper.pdf' }).filter({ hasNotText: 'uploading' }).waitFor();
    const reply = await demoPage.send('One file, retried');
    assert.match(reply, new RegExp(`paper\\.pdf: application/pdf, ${pdf.byteLength} bytes, SHA-256 ${hash(pdf)}`));
    assert.equal(seen.length, 2);
    assert.deepEqual(seen.map(s => s.sha), [hash(pdf), hash(pdf)]);
    assert.equal(refreshes, 1, 'one refresh between the two tries');
    assert.ok(seen.every(s => s.authorization?.startsWith('Bearer ')));
    await page.close();
  });
});
