// Attachments on two instances of the demo backend sharing one PostgreSQL database and no disk, behind
// one origin: the protocol requests go to one instance, the uploads and previews to the other (a
// load balancer could do either). The bytes uploaded through B are read by A's responder and
// previewed from B after a reload. Starts a throwaway cluster of its own (scripts/postgres-cluster.mjs).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, request as forward, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { Browser } from 'playwright-core';
import { startServer, type RunningServer } from '../../demo/server/app.js';
import { loadConfig } from '../../demo/server/config.js';
import { startCluster, type Cluster } from '../../scripts/postgres-cluster.mjs';
import { pdf, png } from '../server/attachment-fixtures.js';
import { TEST_SECRET } from '../server/helpers.js';
import { DemoPage, launchBrowser, uniqueEmail, type Demo } from './support.js';

const hash = (data: Uint8Array) => createHash('sha256').update(data).digest('hex').slice(0, 12);

describe('attachments on two instances on PostgreSQL, no shared disk', { timeout: 120_000 }, () => {
  let cluster: Cluster;
  let browser: Browser;
  let balancer: Server;
  let a: RunningServer;
  let b: RunningServer;
  const served: string[] = [];

  before(async () => {
    cluster = await startCluster({ install: true });
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query('CREATE DATABASE attachments_instances');
    await admin.end();
    const databaseUrl = Object.assign(new URL(cluster.url), { pathname: '/attachments_instances' }).href;
    // The balancer: /chatkit/attachments/* to B, everything else to A.
    balancer = createServer((incoming, outgoing) => {
      const target = incoming.url!.startsWith('/chatkit/attachments/') ? b : a;
      served.push(`${target === a ? 'A' : 'B'} ${incoming.method} ${incoming.url!.split('?')[0]}`);
      const proxied = forward(`${target.listenUrl}${incoming.url}`, { method: incoming.method, headers: incoming.headers }, answer => {
        outgoing.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(outgoing);
      });
      incoming.pipe(proxied);
    });
    await new Promise<void>(resolve => balancer.listen(0, '127.0.0.1', resolve));
    const publicUrl = `http://127.0.0.1:${(balancer.address() as AddressInfo).port}`;
    const config = { ...loadConfig({ PORT: '0', DATABASE_URL: databaseUrl, BETTER_AUTH_SECRET: TEST_SECRET, PUBLIC_URL: publicUrl, RATE_LIMIT: 'off' }), log: false, offlineDelayMs: 0 };
    [a, b] = await Promise.all([startServer(config), startServer(config)]);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await Promise.all([a?.close(), b?.close()]);
    await new Promise(resolve => balancer?.close(resolve));
    cluster?.remove();
  });

  it('uploaded through one instance, listed by the other, previewed after a reload', async () => {
    const demoPage = await DemoPage.open(browser, { url: a.url } as Demo);
    const { page } = demoPage;
    await demoPage.signUp('Edsger Dijkstra', uniqueEmail('edsger'));
    await demoPage.waitForState('ready');
    await page.locator('openai-chatkit input[type=file]').setInputFiles([
      { name: 'dot.png', mimeType: 'image/png', buffer: Buffer.from(png) },
      { name: 'paper.pdf', mimeType: 'application/pdf', buffer: Buffer.from(pdf) },
    ]);
    await page.locator('openai-chatkit .pending img[alt="dot.png"]').waitFor();
    const reply = await demoPage.send('Across instances');
    assert.equal(
      reply,
      `You sent 2 files:\ndot.png: image/png, ${png.byteLength} bytes, SHA-256 ${hash(png)}\npaper.pdf: application/pdf, ${pdf.byteLength} bytes, SHA-256 ${hash(pdf)}`,
    );
    await page.reload();
    await demoPage.waitForState('ready');
    await page.locator('openai-chatkit select').selectOption({ label: 'Across instances' });
    await page.waitForFunction(() => {
      const image = document.querySelector('auth-chatkit')!.shadowRoot!.querySelector('openai-chatkit')!.shadowRoot!.querySelector<HTMLImageElement>('li.user img');
      return image?.complete && image.naturalWidth === 1;
    });
    assert.equal(served.filter(line => /^B PUT \/chatkit\/attachments\/atc_\w+\/upload$/.test(line)).length, 2);
    assert.ok(served.some(line => /^B GET \/chatkit\/attachments\/atc_\w+$/.test(line)), 'previews from B');
    assert.ok(served.includes('A POST /chatkit'), 'the protocol on A');
    assert.deepEqual(demoPage.pageErrors, []);
  });
});
