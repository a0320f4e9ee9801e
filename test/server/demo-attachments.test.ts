// The demo backend's attachments over HTTP: real Better Auth accounts and tokens, the files beside the
// SQLite database (or in PostgreSQL with TEST_DATABASE_URL), the offline responder listing what came.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Attachment, ImageAttachment, Thread } from '../../src/server/index.js';
import { pdf, png } from './attachment-fixtures.js';
import { testDatabaseUrl } from './databases.js';
import { address, chatkit, LIMIT, readEvents, replyText, startTestServer, userInput, userWithToken, type TestServer } from './helpers.js';

const hash = (data: Uint8Array) => createHash('sha256').update(data).digest('hex').slice(0, 12);

describe('demo backend: attachments', LIMIT, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ config: { attachmentMaxBytes: 100_000 } });
  });
  after(() => server.stop());

  async function create(token: string, name: string, mimeType: string, size: number): Promise<Response> {
    return chatkit(server, token, { type: 'attachments.create', params: { name, size, mime_type: mimeType } });
  }
  async function upload(token: string, name: string, mimeType: string, data: Uint8Array<ArrayBuffer>): Promise<Attachment> {
    const created = await create(token, name, mimeType, data.byteLength);
    assert.equal(created.status, 200, await created.clone().text());
    const attachment = (await created.json()) as Attachment;
    const { url, method, headers } = attachment.upload_descriptor!;
    // the browser's request: no token (the URL is the capability), from the page's origin
    const sent = await fetch(url.replace(server.url, address(server)), { method, headers: { ...headers, Origin: server.url }, body: data });
    assert.equal(sent.status, 200, await sent.clone().text());
    return (await sent.json()) as Attachment;
  }

  it('a PNG and a PDF: the reply lists both with their hashes; a reload shows them with a preview; the other user gets nothing', async () => {
    const alice = await userWithToken(server, 'Alice');
    const image = (await upload(alice.token, 'dot.png', 'image/png', png)) as ImageAttachment;
    const paper = await upload(alice.token, 'paper.pdf', 'application/pdf', pdf);
    const events = await readEvents(await chatkit(server, alice.token, { type: 'threads.create', params: { input: { ...userInput('here'), attachments: [image.id, paper.id] } } }));
    const reply = replyText(events);
    assert.equal(
      reply,
      `You sent 2 files:\n**dot.png**: image/png, ${png.byteLength} bytes, SHA-256 \`${hash(png)}\`\n**paper.pdf**: application/pdf, ${pdf.byteLength} bytes, SHA-256 \`${hash(pdf)}\``,
    );
    const threadId = (events.find(event => event.type === 'thread.created') as { thread: { id: string } }).thread.id;
    const thread = (await (await chatkit(server, alice.token, { type: 'threads.get_by_id', params: { thread_id: threadId } })).json()) as Thread;
    const shown = thread.items.data.find(item => item.type === 'user_message');
    assert.ok(shown?.type === 'user_message');
    assert.deepEqual(shown.attachments.map(a => [a.name, a.type, a.thread_id]), [['dot.png', 'image', threadId], ['paper.pdf', 'file', threadId]]);
    const preview = await fetch((shown.attachments[0] as ImageAttachment).preview_url.replace(server.url, address(server)));
    assert.equal(preview.status, 200);
    assert.equal(preview.headers.get('content-type'), 'image/png');
    assert.equal(hash(new Uint8Array(await preview.arrayBuffer())), hash(png));

    const bob = await userWithToken(server, 'Bob');
    const answer = async (id: string) => {
      const response = await chatkit(server, bob.token, { type: 'threads.create', params: { input: { ...userInput('mine now'), attachments: [id] } } });
      return [response.status, await response.text()];
    };
    assert.deepEqual(await answer(image.id), await answer('atc_00000000'));
    const bobsPreview = await fetch(`${address(server)}/chatkit/attachments/${image.id}`);
    assert.equal(bobsPreview.status, 404);
    if (!testDatabaseUrl) {
      const folder = join(server.dir, 'attachments');
      assert.ok(existsSync(folder), 'the files live beside the database');
      assert.deepEqual(readdirSync(folder).filter(name => name.endsWith('.bin')).sort(), [`${image.id}.bin`, `${paper.id}.bin`].sort());
    }
  });

  it('a file over the limit, or of a refused type, gets a readable message', async () => {
    const alice = await userWithToken(server);
    const big = await create(alice.token, 'big.png', 'image/png', 100_001);
    assert.equal(big.status, 413);
    assert.equal(((await big.json()) as { error: string }).error, 'big.png is 0.1 MB: attachments can be up to 0.1 MB.');
    const page = await create(alice.token, 'page.html', 'text/html', 10);
    assert.equal(page.status, 415);
    assert.equal(((await page.json()) as { error: string }).error, 'page.html: files of type text/html are not accepted here.');
  });

  it('an upload preflight from an allowed origin may PUT with Content-Type and Authorization', async () => {
    const alice = await userWithToken(server);
    const attachment = (await (await create(alice.token, 'dot.png', 'image/png', png.byteLength)).json()) as Attachment;
    const preflight = await fetch(attachment.upload_descriptor!.url.replace(server.url, address(server)), {
      method: 'OPTIONS',
      headers: { Origin: server.url, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'authorization, content-type' },
    });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /PUT/);
  });
});
