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
import type { Attachment, AttachmentFiles, ChatKitContext, ImageAttachment, Thread, UserMessageItem } from '../../src/server/index.js';
import { MemoryStore, NotFoundError, SignedAttachmentStore } from '../../src/server/index.js';
import Database from 'better-sqlite3';
import { DiskAttachmentFiles, DiskAttachmentStore } from '../../src/server/chatkit/attachments/disk.js';
import { SQLiteStore } from '../../src/server/chatkit/stores/sqlite.js';
import { PostgresAttachmentFiles } from '../../src/server/chatkit/attachments/postgres.js';
import { pdf, png, svg } from './attachment-fixtures.js';
import { ENDPOINT as endpoint, input, issuer, testChatKit, type Issuer, type TestChatKit } from './chatkit-harness.js';
import { dropDatabase, ensureDatabase, testDatabaseUrl } from './databases.js';

const secret = 'attachments-test-secret-0123456789abcdef';
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

let directory: string;
let pool: pg.Pool | undefined;
let keys: Issuer;
const database = `attachments_${process.pid}`;

before(async () => {
  keys = await issuer();
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

const contextOf = (sub: string): ChatKitContext => ({ user: { sub, claims: { sub } }, request: new Request(endpoint, { method: 'POST' }), signal: new AbortController().signal });
const alice = contextOf('alice');
const bob = contextOf('bob');

interface Setup extends TestChatKit {
  records: MemoryStore;
  attachments: SignedAttachmentStore;
  clock: { now: number };
  /** A request to the server, as the browser sends it (no token unless given). */
  send(url: string, init?: RequestInit): Promise<Response>;
  /** attachments.create through the protocol. */
  create(name: string, mimeType: string, size: number, sub?: string): Promise<Attachment>;
  /** The bytes to the upload descriptor's URL, with its method and headers. */
  upload(attachment: Attachment, data: Uint8Array<ArrayBuffer>, init?: RequestInit): Promise<Response>;
  /** threads.create with the attachments: the new thread's id. */
  sendIn(attachments: Attachment[], sub?: string): Promise<string>;
  /** The attachment's stored record (metadata included). */
  record(id: string, context?: ChatKitContext): Promise<Attachment>;
}

async function setup(files = newFiles(), options: { maxSize?: number; accept?: string[] } = {}): Promise<Setup> {
  const records = new MemoryStore();
  const clock = { now: Date.now() };
  const attachments = new SignedAttachmentStore(files, { store: records, secret, endpoint: '/chatkit', verifier: keys.verifier, now: () => clock.now, ...options });
  const server = await testChatKit({ store: attachments.store, attachmentStore: attachments, routes: attachments.routes }, keys);
  const send = (url: string, init?: RequestInit) => server.chatkit.fetch(new Request(url, init));
  return {
    ...server,
    records,
    attachments,
    clock,
    send,
    create: (name, mimeType, size, sub = 'alice') => server.json<Attachment>({ type: 'attachments.create', params: { name, size, mime_type: mimeType } }, sub),
    upload(attachment, data, init = {}) {
      const { url, method, headers } = attachment.upload_descriptor!;
      return send(url, { method, headers, body: data, ...init });
    },
    async sendIn(attachments, sub = 'alice') {
      const events = await server.events({ type: 'threads.create', params: { input: input('see attached', { attachments: attachments.map(a => a.id) }) } }, sub);
      const created = events.find(event => event.type === 'thread.created');
      assert.ok(created, JSON.stringify(events));
      return created.thread.id;
    },
    record: (id, context = alice) => records.loadAttachment(id, context),
  };
}

describe(`attachments (${testDatabaseUrl ? 'PostgreSQL' : 'disk'})`, () => {
  let s: Setup;
  beforeEach(async () => {
    await pool?.query('truncate chatkit_attachment_files');
    s = await setup();
  });

  describe('attachments.create', () => {
    it('answers the attachment with a PUT upload descriptor under the endpoint and, for an image, a preview URL', async () => {
      const attachment = (await s.create('dot.png', 'image/png', png.byteLength)) as ImageAttachment;
      assert.equal(attachment.type, 'image');
      assert.match(attachment.id, /^atc_[0-9a-f]{8,}$/);
      assert.equal(attachment.mime_type, 'image/png');
      assert.equal(attachment.upload_descriptor?.method, 'PUT');
      assert.deepEqual(attachment.upload_descriptor?.headers, { 'Content-Type': 'image/png' });
      assert.match(attachment.upload_descriptor!.url, new RegExp(`^${endpoint}/attachments/${attachment.id}/upload\\?token=[\\w-]+\\.[\\w-]+$`));
      assert.match(attachment.preview_url, new RegExp(`^${endpoint}/attachments/${attachment.id}\\?token=`));
      const file = await s.create('paper.pdf', 'application/pdf', pdf.byteLength);
      assert.equal(file.type, 'file');
      assert.equal('preview_url' in file, false);
    });

    const refused: [string, string, number, number, string][] = [
      ['a file over the limit', 'image/png', 20_000_001, 413, 'big.png is 20 MB: attachments can be up to 20 MB.'],
      ['an SVG', 'image/svg+xml', 100, 415, 'big.png: files of type image/svg+xml are not accepted here.'],
      ['an HTML page', 'text/html', 100, 415, 'big.png: files of type text/html are not accepted here.'],
      ['no type', '', 100, 415, 'big.png: files of type unknown are not accepted here.'],
      ['an empty file', 'image/png', 0, 400, 'big.png is empty, or its size is not a number of bytes.'],
    ];
    for (const [what, mimeType, size, status, message] of refused) {
      it(`refuses ${what} with ${status} and a readable message, storing nothing`, async () => {
        const body = await s.json<{ error: string }>({ type: 'attachments.create', params: { name: 'big.png', size, mime_type: mimeType } }, 'alice', status);
        assert.equal(body.error, message);
        s.clock.now += 1;
        assert.equal(await s.attachments.sweep(0), 0);
      });
    }

    it('keeps to its own accept list and size limit', async () => {
      const narrow = await setup(newFiles(), { accept: ['application/pdf'], maxSize: 1000 });
      await assert.rejects(narrow.attachments.createAttachment({ name: 'a.png', mimeType: 'image/png', size: 10 }, alice), { status: 415 });
      await assert.rejects(narrow.attachments.createAttachment({ name: 'a.pdf', mimeType: 'application/pdf', size: 1001 }, alice), { status: 413 });
      assert.equal((await narrow.attachments.createAttachment({ name: 'a.pdf', mimeType: 'application/pdf', size: 1000 }, alice)).type, 'file');
    });

    it('refuses a short secret', () => {
      assert.throws(() => new SignedAttachmentStore(newFiles(), { store: new MemoryStore(), secret: 'short', endpoint }), /at least 32 characters/);
    });
  });

  describe('upload', () => {
    it('takes PUT raw bytes once, clears upload_descriptor and answers the attachment without its metadata', async () => {
      const attachment = await s.create('dot.png', 'image/png', png.byteLength);
      const response = await s.upload(attachment, png);
      assert.equal(response.status, 200);
      const body = (await response.json()) as ImageAttachment;
      assert.equal(body.id, attachment.id);
      assert.equal(body.upload_descriptor, undefined);
      assert.equal(body.metadata, undefined);
      assert.match(body.preview_url, /\/attachments\/atc_\w+\?token=/);
      const record = await s.record(attachment.id);
      assert.equal(record.upload_descriptor, undefined);
      assert.deepEqual(record.metadata, { size: png.byteLength, sha256: sha256(png) });
      const again = await s.upload(attachment, png);
      assert.equal(again.status, 409);
      assert.match(((await again.json()) as { error: string }).error, /an upload link works once/);
    });

    it('takes POST multipart with the field "file"', async () => {
      const attachment = await s.create('paper.pdf', 'application/pdf', pdf.byteLength);
      const form = new FormData();
      form.append('file', new Blob([pdf], { type: 'application/pdf' }), 'paper.pdf');
      const response = await s.chatkit.fetch(new Request(attachment.upload_descriptor!.url, { method: 'POST', body: form }));
      assert.equal(response.status, 200);
      const content = await s.attachments.readAttachment(attachment.id, alice);
      assert.deepEqual(content, { id: attachment.id, name: 'paper.pdf', mimeType: 'application/pdf', data: content.data, sha256: sha256(pdf) });
      assert.deepEqual(Buffer.from(content.data), Buffer.from(pdf));
    });

    it('stops reading past the declared size: 413, nothing stored, the link still usable', async () => {
      const attachment = await s.create('dot.png', 'image/png', png.byteLength - 1);
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
      assert.ok((await s.record(attachment.id)).upload_descriptor);
      const form = new FormData();
      form.append('file', new Blob([png, png]));
      assert.equal((await s.chatkit.fetch(new Request(attachment.upload_descriptor!.url, { method: 'POST', body: form }))).status, 413);
    });

    const mismatches: [string, string, Uint8Array<ArrayBuffer>, string][] = [
      ['a PNG sent as a PDF', 'application/pdf', png, "The file's content is image/png, not the application/pdf it was sent as."],
      ['an SVG sent as a PNG', 'image/png', svg, "The file's content is not image/png."],
      ['binary bytes sent as text', 'text/plain', Uint8Array.from([0x41, 0, 0xff, 0xfe]), "The file's content is not text/plain."],
    ];
    for (const [what, declared, data, message] of mismatches) {
      it(`checks the bytes' real type: refuses ${what} (415)`, async () => {
        const attachment = await s.create('file', declared, data.byteLength);
        const response = await s.upload(attachment, data);
        assert.equal(response.status, 415);
        assert.deepEqual(await response.json(), { error: `file: ${message}`, code: 'attachment.type_refused' });
        await assert.rejects(s.attachments.readAttachment(attachment.id, alice), NotFoundError);
      });
    }

    it('checks a token that comes along (ChatKit\'s fetch): a bad one is a 401 and the retry with a fresh one works', async () => {
      const attachment = await s.create('dot.png', 'image/png', png.byteLength);
      const refused = await s.upload(attachment, png, { headers: { ...attachment.upload_descriptor!.headers, Authorization: 'Bearer expired.token.here' } });
      assert.equal(refused.status, 401);
      const bobs = await s.upload(attachment, png, { headers: { Authorization: `Bearer ${await keys.token('bob')}` } });
      assert.equal(bobs.status, 403);
      const fresh = await s.upload(attachment, png, { headers: { Authorization: `Bearer ${await keys.token('alice')}` } });
      assert.equal(fresh.status, 200);
      assert.equal((await s.attachments.readAttachment(attachment.id, alice)).sha256, sha256(png));
    });

    it('the direct strategy: multipart "file" with the bearer to {endpoint}/attachments, checked the same way', async () => {
      const direct = async (file: Blob, name: string, token?: string) => {
        const form = new FormData();
        form.append('file', file, name);
        return s.send(`${endpoint}/attachments`, { method: 'POST', body: form, headers: token ? { Authorization: `Bearer ${token}` } : {} });
      };
      const token = await keys.token('alice');
      assert.equal((await direct(new Blob([png], { type: 'image/png' }), 'dot.png')).status, 401);
      const response = await direct(new Blob([png], { type: 'image/png' }), 'dot.png', token);
      assert.equal(response.status, 200);
      const attachment = (await response.json()) as ImageAttachment;
      assert.equal(attachment.upload_descriptor, undefined);
      assert.equal(attachment.name, 'dot.png');
      assert.equal((await s.attachments.readAttachment(attachment.id, alice)).sha256, sha256(png));
      assert.equal((await s.send(attachment.preview_url)).status, 200);
      const refused = await direct(new Blob([svg], { type: 'image/png' }), 'drawing.png', token);
      assert.deepEqual([refused.status, await refused.json()], [415, { error: "drawing.png: The file's content is not image/png.", code: 'attachment.type_refused' }]);
      assert.equal((await direct(new Blob([new Uint8Array(20_000_001)], { type: 'image/png' }), 'huge.png', token)).status, 413);
      s.clock.now += 1;
      assert.equal(await s.attachments.sweep(0), 1, 'only the accepted one was kept');
    });

    it('refuses an altered or expired upload link, or one for another attachment (403)', async () => {
      const first = await s.create('dot.png', 'image/png', png.byteLength);
      const second = await s.create('dot2.png', 'image/png', png.byteLength);
      const url = new URL(first.upload_descriptor!.url);
      const token = url.searchParams.get('token')!;
      const altered = new URL(url);
      altered.searchParams.set('token', `${token.slice(0, -2)}${token.endsWith('A') ? 'B' : 'A'}A`);
      const elsewhere = new URL(second.upload_descriptor!.url);
      elsewhere.searchParams.set('token', token);
      for (const target of [altered, elsewhere, new URL(url.pathname, url)]) {
        assert.equal((await s.chatkit.fetch(new Request(target, { method: 'PUT', body: png }))).status, 403, target.href);
      }
      s.clock.now += 601_000;
      assert.equal((await s.upload(first, png)).status, 403);
    });
  });

  describe('previews and downloads', () => {
    it('serves an image at its signed URL with no header needed: checked type, nosniff, sandbox CSP, inline', async () => {
      const attachment = (await s.create('dot.png', 'image/png', png.byteLength)) as ImageAttachment;
      await s.upload(attachment, png);
      const response = await s.chatkit.fetch(new Request(attachment.preview_url));
      assert.equal(response.status, 200);
      assert.deepEqual(Buffer.from(await response.arrayBuffer()), Buffer.from(png));
      assert.equal(response.headers.get('Content-Type'), 'image/png');
      assert.equal(response.headers.get('X-Content-Type-Options'), 'nosniff');
      assert.equal(response.headers.get('Content-Security-Policy'), "default-src 'none'; sandbox");
      assert.equal(response.headers.get('Content-Disposition'), 'inline');
      assert.equal(response.headers.get('Access-Control-Allow-Origin'), null);
      const fromFrame = await s.chatkit.fetch(new Request(attachment.preview_url, { headers: { Origin: 'https://cdn.platform.openai.com' } }));
      assert.equal(fromFrame.headers.get('Access-Control-Allow-Origin'), 'https://cdn.platform.openai.com');
      const fromElsewhere = await s.chatkit.fetch(new Request(attachment.preview_url, { headers: { Origin: 'https://evil.example' } }));
      assert.equal(fromElsewhere.headers.get('Access-Control-Allow-Origin'), null);
    });

    it('serves anything but a raster image as a download', async () => {
      const text = new TextEncoder().encode('<script>alert(1)</script>');
      const attachment = await s.create('page.txt', 'text/plain', text.byteLength);
      await s.upload(attachment, text);
      await assert.rejects(s.attachments.signedUrl(attachment.id, bob), NotFoundError);
      const response = await s.chatkit.fetch(new Request(await s.attachments.signedUrl(attachment.id, alice)));
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('Content-Type'), 'text/plain');
      assert.equal(response.headers.get('Content-Disposition'), 'attachment');
      assert.equal(response.headers.get('Content-Security-Policy'), "default-src 'none'; sandbox");
    });

    it('signs fresh preview URLs whenever the thread is read', async () => {
      const attachment = (await s.create('dot.png', 'image/png', png.byteLength)) as ImageAttachment;
      await s.upload(attachment, png);
      const thread = await s.sendIn([attachment]);
      s.clock.now += 3_600_000; // an hour later, the first URL has expired
      assert.equal((await s.chatkit.fetch(new Request(attachment.preview_url))).status, 404);
      const read = await s.json<Thread>({ type: 'threads.get_by_id', params: { thread_id: thread } });
      const [item] = read.items.data as UserMessageItem[];
      const fresh = item!.attachments[0] as ImageAttachment;
      assert.equal(fresh.thread_id, thread);
      assert.equal('metadata' in fresh, false);
      assert.notEqual(fresh.preview_url, attachment.preview_url);
      assert.equal((await s.chatkit.fetch(new Request(fresh.preview_url))).status, 200);
      const listed = await s.json<{ data: UserMessageItem[] }>({ type: 'items.list', params: { thread_id: thread } });
      assert.equal((await s.chatkit.fetch(new Request((listed.data[0]!.attachments[0] as ImageAttachment).preview_url))).status, 200);
    });
  });

  describe('isolation', () => {
    it("another user's id answers like a missing one: preview, delete, attach to a message, read", async () => {
      const mine = (await s.create('dot.png', 'image/png', png.byteLength)) as ImageAttachment;
      await s.upload(mine, png);
      const theirs = (await s.create('dot.png', 'image/png', png.byteLength, 'bob')) as ImageAttachment;
      await s.upload(theirs, png);
      // Bob's own valid token on Alice's id; and a made-up id.
      const bobToken = new URL(theirs.preview_url).searchParams.get('token');
      const answers = await Promise.all(
        [`${endpoint}/attachments/${mine.id}?token=${bobToken}`, `${endpoint}/attachments/atc_00000000?token=${bobToken}`, `${endpoint}/attachments/../../etc/passwd`].map(async url => {
          const response = await s.chatkit.fetch(new Request(url));
          return [response.status, await response.text()];
        }),
      );
      assert.deepEqual(answers[0], [404, '{"error":"No such attachment.","code":"not_found"}']);
      assert.deepEqual(answers[1], answers[0]);
      await assert.rejects(s.attachments.readAttachment(mine.id, bob), NotFoundError);
      // Through the protocol, as Bob: Alice's id and a made-up one get the same answer.
      for (const request of [
        (id: string) => ({ type: 'attachments.delete', params: { attachment_id: id } }),
        (id: string) => ({ type: 'threads.create', params: { input: input('steal', { attachments: [id] }) } }),
      ]) {
        const [theirs, missing] = await Promise.all([mine.id, 'atc_00000000'].map(async id => {
          const response = await s.post(request(id), 'bob');
          return [response.status, await response.text()];
        }));
        assert.deepEqual(theirs, missing, JSON.stringify(request('')));
      }
      assert.equal((await s.chatkit.fetch(new Request(mine.preview_url))).status, 200, "Bob's delete touched nothing");
    });

    it("a preview URL's token opens its own attachment only, and an altered one nothing", async () => {
      const mine = (await s.create('dot.png', 'image/png', png.byteLength)) as ImageAttachment;
      await s.upload(mine, png);
      const url = new URL(mine.preview_url);
      const [payload, mac] = url.searchParams.get('token')!.split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
      const forged = Buffer.from(JSON.stringify({ ...claims, owner: 'user-bob' })).toString('base64url');
      for (const token of [`${forged}.${mac}`, `${payload}.${mac!.slice(1)}`, `${payload}`, '']) {
        url.searchParams.set('token', token);
        assert.equal((await s.chatkit.fetch(new Request(url))).status, 404, token);
      }
    });
  });

  describe('lifetime', () => {
    it('deleting the attachment removes the bytes', async () => {
      const attachment = await s.create('paper.pdf', 'application/pdf', pdf.byteLength);
      await s.upload(attachment, pdf);
      await s.json({ type: 'attachments.delete', params: { attachment_id: attachment.id } });
      await assert.rejects(s.attachments.readAttachment(attachment.id, alice), NotFoundError);
      await assert.rejects(s.record(attachment.id), NotFoundError);
    });

    it('sets thread_id when the message is saved; deleting the thread removes its files and records', async () => {
      const attachment = await s.create('paper.pdf', 'application/pdf', pdf.byteLength);
      await s.upload(attachment, pdf);
      const thread = await s.sendIn([attachment]);
      assert.equal((await s.record(attachment.id)).thread_id, thread);
      await s.post({ type: 'threads.delete', params: { thread_id: thread } }, 'bob');
      assert.equal((await s.attachments.readAttachment(attachment.id, alice)).sha256, sha256(pdf), "Bob's delete touched nothing");
      await s.json({ type: 'threads.delete', params: { thread_id: thread } });
      await assert.rejects(s.attachments.readAttachment(attachment.id, alice), NotFoundError);
      await assert.rejects(s.record(attachment.id), NotFoundError);
    });

    it('removes attachments never sent after a day, uploaded or not, and keeps those sent', async () => {
      const sent = await s.create('paper.pdf', 'application/pdf', pdf.byteLength);
      await s.upload(sent, pdf);
      await s.sendIn([sent]);
      const unsent = await s.create('dot.png', 'image/png', png.byteLength);
      await s.upload(unsent, png);
      const abandoned = await s.create('dot.png', 'image/png', png.byteLength, 'bob');
      s.clock.now += 86_400_000 - 1;
      assert.equal(await s.attachments.sweep(), 0);
      s.clock.now += 2;
      assert.equal(await s.attachments.sweep(), 2);
      await s.record(sent.id);
      await assert.rejects(s.record(unsent.id), NotFoundError);
      await assert.rejects(s.record(abandoned.id, bob), NotFoundError);
      assert.equal((await s.attachments.readAttachment(sent.id, alice)).sha256, sha256(pdf));
      await assert.rejects(s.attachments.readAttachment(unsent.id, alice), NotFoundError);
    });
  });

  if (testDatabaseUrl) {
    it('an upload through one instance previews from another (no shared disk, one database)', async () => {
      const other = new pg.Pool({ connectionString: await ensureDatabase(database), max: 2 });
      try {
        const second = new SignedAttachmentStore(new PostgresAttachmentFiles(other), { store: s.records, secret, endpoint: '/chatkit', now: () => s.clock.now });
        const attachment = (await s.create('dot.png', 'image/png', png.byteLength)) as ImageAttachment;
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
    it("the README's setup: DiskAttachmentStore over SQLiteStore, mounted on createChatKitServer", async () => {
      const database = new Database(':memory:');
      const attachments = new DiskAttachmentStore({ directory: join(directory, 'readme'), store: new SQLiteStore(database), secret, endpoint: 'https://chat.example.com/chatkit', verifier: keys.verifier, maxSize: 10_000_000 });
      const server = await testChatKit({ store: attachments.store, attachmentStore: attachments, routes: attachments.routes }, keys);
      const attachment = await server.json<ImageAttachment>({ type: 'attachments.create', params: { name: 'dot.png', size: png.byteLength, mime_type: 'image/png' } });
      assert.match(attachment.upload_descriptor!.url, /^https:\/\/chat\.example\.com\/chatkit\/attachments\/atc_\w+\/upload\?token=/);
      const { url, method, headers } = attachment.upload_descriptor!;
      assert.equal((await server.chatkit.fetch(new Request(url, { method, headers, body: png }))).status, 200);
      assert.equal((await server.chatkit.fetch(new Request(attachment.preview_url))).status, 200);
      database.close();
    });

    it('on disk: two files per attachment, no temporary ones left', async () => {
      const folder = join(directory, 'listed');
      const disk = await setup(new DiskAttachmentFiles(folder));
      const attachment = await disk.create('dot.png', 'image/png', png.byteLength);
      await disk.upload(attachment, png);
      assert.deepEqual(readdirSync(folder).sort(), [`${attachment.id}.bin`, `${attachment.id}.json`]);
    });
  }
});

