// Attachments on the server: two-phase upload to signed single-use URLs, the checks on the bytes,
// previews that need no header, isolation between users, and the files' lifetime. On disk, and on
// PostgreSQL when TEST_DATABASE_URL is set (npm test runs this file on both).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import pg from 'pg';
import type { Attachment, AttachmentFiles, ChatKitContext, ImageAttachment, UserMessageItem } from '../../src/server/index.js';
import { ChatKitHttpError, NotFoundError, SignedAttachmentStore } from '../../src/server/index.js';
import { DiskAttachmentFiles } from '../../src/server/chatkit/attachments/disk.js';
import { PostgresAttachmentFiles } from '../../src/server/chatkit/attachments/postgres.js';
import { contextOf, endpoint, pdf, png, RecordStore, svg } from './attachment-fixtures.js';
import { dropDatabase, ensureDatabase, testDatabaseUrl } from './databases.js';

const secret = 'attachments-test-secret-0123456789abcdef';
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

let directory: string;
let pool: pg.Pool | undefined;
const database = `attachments_${process.pid}`;

before(async () => {
  directory = mkdtempSync(join(tmpdir(), 'auth-chatkit-attachments-'));
  if (testDatabaseUrl) {
    pool = new pg.Pool({ connectionString: await ensureDatabase(database), max: 4 });
    await new PostgresAttachmentFiles(pool).migrate();
  }
});
after(async () => {
  rmSync(directory, { recursive: true, force: true });
  if (pool) {
    await pool.end();
    await dropDatabase(database);
  }
});

function newFiles(): AttachmentFiles {
  return pool ? new PostgresAttachmentFiles(pool) : new DiskAttachmentFiles(join(directory, crypto.randomUUID()));
}

interface Setup {
  records: RecordStore;
  attachments: SignedAttachmentStore;
  clock: { now: number };
  /** Runs a request through the attachments' routes, as createChatKitServer would. */
  route(request: Request): Promise<Response>;
  /** attachments.create as the server does it: create, then save the record. */
  create(context: ChatKitContext, name: string, mimeType: string, size: number): Promise<Attachment>;
  upload(attachment: Attachment, data: Uint8Array<ArrayBuffer>, init?: RequestInit): Promise<Response>;
}

function setup(files = newFiles(), options: { maxSize?: number; accept?: string[] } = {}): Setup {
  const records = new RecordStore();
  const clock = { now: Date.UTC(2026, 11, 3, 8) };
  const attachments = new SignedAttachmentStore(files, { store: records, secret, endpoint: '/chatkit', now: () => clock.now, ...options });
  const route = async (request: Request) => {
    const { pathname } = new URL(request.url);
    for (const candidate of attachments.routes) {
      const pattern = new RegExp(`^${candidate.path.replace(/:(\w+)/g, '(?<$1>[^/]+)')}$`);
      const match = pattern.exec(pathname);
      if (match && candidate.method === request.method) return candidate.handle(request, { params: { ...match.groups } });
    }
    return new Response('no route', { status: 405 });
  };
  const create = async (context: ChatKitContext, name: string, mimeType: string, size: number) => {
    const attachment = await attachments.createAttachment({ name, mimeType, size }, context);
    await attachments.store.saveAttachment(attachment, context);
    return attachment;
  };
  const upload = (attachment: Attachment, data: Uint8Array<ArrayBuffer>, init: RequestInit = {}) => {
    const { url, method, headers } = attachment.upload_descriptor!;
    return route(new Request(url, { method, headers, body: data, ...init }));
  };
  return { records, attachments, clock, route, create, upload };
}

const alice = contextOf('user-alice');
const bob = contextOf('user-bob');

describe(`attachments (${testDatabaseUrl ? 'PostgreSQL' : 'disk'})`, () => {
  let s: Setup;
  beforeEach(async () => {
    await pool?.query('truncate auth_chatkit_attachment_files');
    s = setup();
  });

  describe('attachments.create', () => {
    it('answers the attachment with a PUT upload descriptor under the endpoint and, for an image, a preview URL', async () => {
      const attachment = (await s.create(alice, 'dot.png', 'image/png', png.byteLength)) as ImageAttachment;
      assert.equal(attachment.type, 'image');
      assert.match(attachment.id, /^atc_[0-9a-f]{8}$/);
      assert.equal(attachment.mime_type, 'image/png');
      assert.equal(attachment.upload_descriptor?.method, 'PUT');
      assert.deepEqual(attachment.upload_descriptor?.headers, { 'Content-Type': 'image/png' });
      assert.match(attachment.upload_descriptor!.url, new RegExp(`^${endpoint}/attachments/${attachment.id}/upload\\?token=[\\w-]+\\.[\\w-]+$`));
      assert.match(attachment.preview_url, new RegExp(`^${endpoint}/attachments/${attachment.id}\\?token=`));
      const file = await s.create(alice, 'paper.pdf', 'application/pdf', pdf.byteLength);
      assert.equal(file.type, 'file');
      assert.equal('preview_url' in file, false);
    });

    const refused: [string, string, number, number, string][] = [
      ['a file over the limit', 'image/png', 20_000_001, 413, 'big.png is 20 MB: attachments can be up to 20 MB.'],
      ['an SVG', 'image/svg+xml', 100, 415, 'big.png: files of type image/svg+xml are not accepted here.'],
      ['an HTML page', 'text/html', 100, 415, 'big.png: files of type text/html are not accepted here.'],
      ['no type', '', 100, 415, 'big.png: files of type unknown are not accepted here.'],
      ['an empty file', 'image/png', 0, 400, 'big.png is empty, or its size is not a number of bytes.'],
      ['a fractional size', 'image/png', 1.5, 400, 'big.png is empty, or its size is not a number of bytes.'],
    ];
    for (const [what, mimeType, size, status, message] of refused) {
      it(`refuses ${what} with ${status} and a readable message, storing nothing`, async () => {
        const error = await s.attachments.createAttachment({ name: 'big.png', mimeType, size }, alice).catch((e: unknown) => e);
        assert.ok(error instanceof ChatKitHttpError);
        assert.equal(error.status, status);
        assert.equal(error.message, message);
        assert.equal(await s.attachments.sweep(0), 0);
      });
    }

    it('keeps to its own accept list and size limit', async () => {
      const narrow = setup(newFiles(), { accept: ['application/pdf'], maxSize: 1000 });
      await assert.rejects(narrow.attachments.createAttachment({ name: 'a.png', mimeType: 'image/png', size: 10 }, alice), { status: 415 });
      await assert.rejects(narrow.attachments.createAttachment({ name: 'a.pdf', mimeType: 'application/pdf', size: 1001 }, alice), { status: 413 });
      assert.equal((await narrow.attachments.createAttachment({ name: 'a.pdf', mimeType: 'application/pdf', size: 1000 }, alice)).type, 'file');
    });

    it('refuses a short secret', () => {
      assert.throws(() => new SignedAttachmentStore(newFiles(), { store: new RecordStore(), secret: 'short', endpoint }), /at least 32 characters/);
    });
  });

  describe('upload', () => {
    it('takes PUT raw bytes once, clears upload_descriptor and answers the attachment without its metadata', async () => {
      const attachment = await s.create(alice, 'dot.png', 'image/png', png.byteLength);
      const response = await s.upload(attachment, png);
      assert.equal(response.status, 200);
      const body = (await response.json()) as ImageAttachment;
      assert.equal(body.id, attachment.id);
      assert.equal(body.upload_descriptor, undefined);
      assert.equal(body.metadata, undefined);
      assert.match(body.preview_url, /\/attachments\/atc_\w+\?token=/);
      const record = s.records.attachments.get(attachment.id)!.attachment;
      assert.equal(record.upload_descriptor, undefined);
      assert.deepEqual(record.metadata, { size: png.byteLength, sha256: sha256(png) });
      const again = await s.upload(attachment, png);
      assert.equal(again.status, 409);
      assert.match(((await again.json()) as { error: string }).error, /an upload link works once/);
    });

    it('takes POST multipart with the field "file"', async () => {
      const attachment = await s.create(alice, 'paper.pdf', 'application/pdf', pdf.byteLength);
      const form = new FormData();
      form.append('file', new Blob([pdf], { type: 'application/pdf' }), 'paper.pdf');
      const response = await s.route(new Request(attachment.upload_descriptor!.url, { method: 'POST', body: form }));
      assert.equal(response.status, 200);
      const content = await s.attachments.readAttachment(attachment.id, alice);
      assert.deepEqual(content, { id: attachment.id, name: 'paper.pdf', mimeType: 'application/pdf', data: content.data, sha256: sha256(pdf) });
      assert.deepEqual(Buffer.from(content.data), Buffer.from(pdf));
    });

    it('stops reading past the declared size: 413, nothing stored, the link still usable', async () => {
      const attachment = await s.create(alice, 'dot.png', 'image/png', png.byteLength - 1);
      let pulled = 0;
      const endless = new ReadableStream<Uint8Array>({
        pull(controller) {
          pulled++;
          controller.enqueue(png);
        },
      });
      const response = await s.upload(attachment, png, { body: endless, duplex: 'half' } as RequestInit);
      assert.equal(response.status, 413);
      assert.ok(pulled < 5, `read ${pulled} chunks of an endless body`);
      await assert.rejects(s.attachments.readAttachment(attachment.id, alice), NotFoundError);
      assert.ok(s.records.attachments.get(attachment.id)!.attachment.upload_descriptor);
      const form = new FormData();
      form.append('file', new Blob([png, png]));
      assert.equal((await s.route(new Request(attachment.upload_descriptor!.url, { method: 'POST', body: form }))).status, 413);
    });

    const mismatches: [string, string, Uint8Array<ArrayBuffer>, string][] = [
      ['a PNG sent as a PDF', 'application/pdf', png, "The file's content is image/png, not the application/pdf it was sent as."],
      ['an SVG sent as a PNG', 'image/png', svg, "The file's content is not image/png."],
      ['binary bytes sent as text', 'text/plain', Uint8Array.from([0x41, 0, 0xff, 0xfe]), "The file's content is not text/plain."],
    ];
    for (const [what, declared, data, message] of mismatches) {
      it(`checks the bytes' real type: refuses ${what} (415)`, async () => {
        const attachment = await s.create(alice, 'file', declared, data.byteLength);
        const response = await s.upload(attachment, data);
        assert.equal(response.status, 415);
        assert.deepEqual(await response.json(), { error: `file: ${message}`, code: 'attachment.type_refused' });
        await assert.rejects(s.attachments.readAttachment(attachment.id, alice), NotFoundError);
      });
    }

    it('refuses an altered or expired upload link, or one for another attachment (403)', async () => {
      const first = await s.create(alice, 'dot.png', 'image/png', png.byteLength);
      const second = await s.create(alice, 'dot2.png', 'image/png', png.byteLength);
      const url = new URL(first.upload_descriptor!.url);
      const token = url.searchParams.get('token')!;
      const altered = new URL(url);
      altered.searchParams.set('token', `${token.slice(0, -2)}${token.endsWith('A') ? 'B' : 'A'}A`);
      const elsewhere = new URL(second.upload_descriptor!.url);
      elsewhere.searchParams.set('token', token);
      for (const target of [altered, elsewhere, new URL(url.pathname, url)]) {
        assert.equal((await s.route(new Request(target, { method: 'PUT', body: png }))).status, 403, target.href);
      }
      s.clock.now += 601_000;
      assert.equal((await s.upload(first, png)).status, 403);
    });
  });

  describe('previews and downloads', () => {
    it('serves an image at its signed URL with no header needed: checked type, nosniff, sandbox CSP, inline', async () => {
      const attachment = (await s.create(alice, 'dot.png', 'image/png', png.byteLength)) as ImageAttachment;
      await s.upload(attachment, png);
      const response = await s.route(new Request(attachment.preview_url));
      assert.equal(response.status, 200);
      assert.deepEqual(Buffer.from(await response.arrayBuffer()), Buffer.from(png));
      assert.equal(response.headers.get('Content-Type'), 'image/png');
      assert.equal(response.headers.get('X-Content-Type-Options'), 'nosniff');
      assert.equal(response.headers.get('Content-Security-Policy'), "default-src 'none'; sandbox");
      assert.equal(response.headers.get('Content-Disposition'), 'inline');
      assert.equal(response.headers.get('Access-Control-Allow-Origin'), null);
      const fromFrame = await s.route(new Request(attachment.preview_url, { headers: { Origin: 'https://cdn.platform.openai.com' } }));
      assert.equal(fromFrame.headers.get('Access-Control-Allow-Origin'), 'https://cdn.platform.openai.com');
      const fromElsewhere = await s.route(new Request(attachment.preview_url, { headers: { Origin: 'https://evil.example' } }));
      assert.equal(fromElsewhere.headers.get('Access-Control-Allow-Origin'), null);
    });

    it('serves anything but a raster image as a download', async () => {
      const text = new TextEncoder().encode('<script>alert(1)</script>');
      const attachment = await s.create(alice, 'page.txt', 'text/plain', text.byteLength);
      await s.upload(attachment, text);
      await assert.rejects(s.attachments.signedUrl(attachment.id, bob), NotFoundError);
      const response = await s.route(new Request(await s.attachments.signedUrl(attachment.id, alice)));
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('Content-Type'), 'text/plain');
      assert.equal(response.headers.get('Content-Disposition'), 'attachment');
      assert.equal(response.headers.get('Content-Security-Policy'), "default-src 'none'; sandbox");
    });

    it('signs fresh preview URLs whenever the thread is read', async () => {
      const attachment = (await s.create(alice, 'dot.png', 'image/png', png.byteLength)) as ImageAttachment;
      await s.upload(attachment, png);
      const thread = await sendIn(s, alice, attachment);
      s.clock.now += 3_600_000; // an hour later, the first URL has expired
      assert.equal((await s.route(new Request(attachment.preview_url))).status, 404);
      const [item] = (await s.attachments.store.loadThreadItems(thread, undefined, 20, 'asc', alice)).data as UserMessageItem[];
      const fresh = item!.attachments[0] as ImageAttachment;
      assert.notEqual(fresh.preview_url, attachment.preview_url);
      assert.equal((await s.route(new Request(fresh.preview_url))).status, 200);
      const loaded = (await s.attachments.store.loadItem(thread, item!.id, alice)) as UserMessageItem;
      assert.equal((await s.route(new Request((loaded.attachments[0] as ImageAttachment).preview_url))).status, 200);
    });
  });

  describe('isolation', () => {
    it("another user's id answers like a missing one: preview, delete, attach to a message, read", async () => {
      const mine = (await s.create(alice, 'dot.png', 'image/png', png.byteLength)) as ImageAttachment;
      await s.upload(mine, png);
      const theirs = (await s.create(bob, 'dot.png', 'image/png', png.byteLength)) as ImageAttachment;
      await s.upload(theirs, png);
      // Bob's own valid token on Alice's id; and a made-up id.
      const bobToken = new URL(theirs.preview_url).searchParams.get('token');
      const answers = await Promise.all(
        [`${endpoint}/attachments/${mine.id}?token=${bobToken}`, `${endpoint}/attachments/atc_00000000?token=${bobToken}`, `${endpoint}/attachments/../../etc/passwd`].map(async url => {
          const response = await s.route(new Request(url));
          return [response.status, await response.text()];
        }),
      );
      assert.deepEqual(answers[0], [404, '{"error":"No such attachment.","code":"not_found"}']);
      assert.deepEqual(answers[1], answers[0]);
      await assert.rejects(s.attachments.store.loadAttachment(mine.id, bob), NotFoundError);
      await assert.rejects(s.attachments.readAttachment(mine.id, bob), NotFoundError);
      await s.attachments.deleteAttachment(mine.id, bob);
      await s.attachments.store.deleteAttachment(mine.id, bob);
      assert.equal((await s.route(new Request(mine.preview_url))).status, 200, "Bob's delete touched nothing");
    });

    it("a preview URL's token opens its own attachment only, and an altered one nothing", async () => {
      const mine = (await s.create(alice, 'dot.png', 'image/png', png.byteLength)) as ImageAttachment;
      await s.upload(mine, png);
      const url = new URL(mine.preview_url);
      const [payload, mac] = url.searchParams.get('token')!.split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
      const forged = Buffer.from(JSON.stringify({ ...claims, owner: 'user-bob' })).toString('base64url');
      for (const token of [`${forged}.${mac}`, `${payload}.${mac!.slice(1)}`, `${payload}`, '']) {
        url.searchParams.set('token', token);
        assert.equal((await s.route(new Request(url))).status, 404, token);
      }
    });
  });

  describe('lifetime', () => {
    it('deleting the attachment removes the bytes', async () => {
      const attachment = await s.create(alice, 'paper.pdf', 'application/pdf', pdf.byteLength);
      await s.upload(attachment, pdf);
      await s.attachments.deleteAttachment(attachment.id, alice);
      await s.attachments.store.deleteAttachment(attachment.id, alice);
      await assert.rejects(s.attachments.readAttachment(attachment.id, alice), NotFoundError);
    });

    it('sets thread_id when the message is saved; deleting the thread removes its files and records', async () => {
      const attachment = await s.create(alice, 'paper.pdf', 'application/pdf', pdf.byteLength);
      await s.upload(attachment, pdf);
      const thread = await sendIn(s, alice, attachment);
      assert.equal(s.records.attachments.get(attachment.id)!.attachment.thread_id, thread);
      await s.attachments.store.deleteThread(thread, bob);
      assert.equal((await s.attachments.readAttachment(attachment.id, alice)).sha256, sha256(pdf), "Bob's delete touched nothing");
      await s.attachments.store.deleteThread(thread, alice);
      await assert.rejects(s.attachments.readAttachment(attachment.id, alice), NotFoundError);
      assert.equal(s.records.attachments.has(attachment.id), false);
    });

    it('removes attachments never sent after a day, uploaded or not, and keeps those sent', async () => {
      const sent = await s.create(alice, 'paper.pdf', 'application/pdf', pdf.byteLength);
      await s.upload(sent, pdf);
      await sendIn(s, alice, sent);
      const unsent = await s.create(alice, 'dot.png', 'image/png', png.byteLength);
      await s.upload(unsent, png);
      const abandoned = await s.create(bob, 'dot.png', 'image/png', png.byteLength);
      s.clock.now += 86_400_000 - 1;
      assert.equal(await s.attachments.sweep(), 0);
      s.clock.now += 2;
      assert.equal(await s.attachments.sweep(), 2);
      assert.deepEqual([...s.records.attachments.keys()], [sent.id]);
      assert.equal((await s.attachments.readAttachment(sent.id, alice)).sha256, sha256(pdf));
      await assert.rejects(s.attachments.readAttachment(unsent.id, alice), NotFoundError);
      void abandoned;
    });
  });

  if (testDatabaseUrl) {
    it('an upload through one instance previews from another (no shared disk, one database)', async () => {
      const other = new pg.Pool({ connectionString: await ensureDatabase(database), max: 2 });
      try {
        const second = new SignedAttachmentStore(new PostgresAttachmentFiles(other), { store: s.records, secret, endpoint: '/chatkit', now: () => s.clock.now });
        const attachment = (await s.create(alice, 'dot.png', 'image/png', png.byteLength)) as ImageAttachment;
        await s.upload(attachment, png);
        const preview = second.routes.find(route => route.method === 'GET')!;
        const response = await preview.handle(new Request(attachment.preview_url), { params: { id: attachment.id } });
        assert.equal(response.status, 200);
        assert.equal(sha256(new Uint8Array(await response.arrayBuffer())), sha256(png));
      } finally {
        await other.end();
      }
    });
  } else {
    it('on disk: two files per attachment, no temporary ones left', async () => {
      const folder = join(directory, 'listed');
      const disk = setup(new DiskAttachmentFiles(folder));
      const attachment = await disk.create(alice, 'dot.png', 'image/png', png.byteLength);
      await disk.upload(attachment, png);
      assert.deepEqual(readdirSync(folder).sort(), [`${attachment.id}.bin`, `${attachment.id}.json`]);
    });
  }
});

async function sendIn(s: Setup, context: ChatKitContext, attachment: Attachment): Promise<string> {
  const store = s.attachments.store;
  const thread = store.generateThreadId(context);
  await store.saveThread({ id: thread, created_at: new Date().toISOString(), status: { type: 'active' }, metadata: {} } as never, context);
  const item: UserMessageItem = {
    type: 'user_message',
    id: store.generateItemId('message', { id: thread } as never, context),
    thread_id: thread,
    created_at: new Date().toISOString(),
    content: [{ type: 'input_text', text: 'see attached' }],
    attachments: [await store.loadAttachment(attachment.id, context)],
    inference_options: {},
  } as UserMessageItem;
  await store.addThreadItem(thread, item, context);
  return thread;
}

