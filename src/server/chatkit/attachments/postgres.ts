// Attachments in PostgreSQL (pg, an optional peer): `auth-chatkit/server/attachments/postgres`. For
// several instances with no shared disk: a file uploaded through one previews from any other.
import type pg from 'pg';
import type { ChatKitContext } from '../context.js';
import type { AttachmentFiles, FileEntry, StoredContent } from './files.js';
import { SignedAttachmentStore, type SignedAttachmentOptions } from './signed-attachment-store.js';

const table = 'chatkit_attachment_files';

/** One row per attachment, the bytes in a `bytea` column (up to 1 GB each; keep maxSize well below). */
export class PostgresAttachmentFiles implements AttachmentFiles {
  constructor(readonly pool: pg.Pool) {}

  /** Creates the table, one instance at a time (pg_advisory_xact_lock): call once at start. */
  async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      await client.query(`select pg_advisory_xact_lock(hashtext('${table}'))`);
      await client.query(`create table if not exists ${table} (
        id text primary key,
        owner text not null,
        thread_id text,
        created_at bigint not null,
        mime_type text,
        sha256 text,
        data bytea
      )`);
      await client.query(`create index if not exists ${table}_thread on ${table} (owner, thread_id)`);
      await client.query(`create index if not exists ${table}_unsent on ${table} (created_at) where thread_id is null`);
      await client.query('commit');
    } catch (error) {
      await client.query('rollback');
      throw error;
    } finally {
      client.release();
    }
  }

  async reserve({ id, owner, createdAt }: FileEntry): Promise<void> {
    await this.pool.query(`insert into ${table} (id, owner, created_at) values ($1, $2, $3)`, [id, owner, createdAt]);
  }

  async write(id: string, owner: string, { data, mimeType, sha256 }: StoredContent): Promise<boolean> {
    const result = await this.pool.query(`update ${table} set data = $3, mime_type = $4, sha256 = $5 where id = $1 and owner = $2`, [id, owner, data, mimeType, sha256]);
    return result.rowCount === 1;
  }

  async read(id: string, owner: string): Promise<StoredContent | undefined> {
    const { rows } = await this.pool.query<{ data: Uint8Array; mime_type: string; sha256: string }>(
      `select data, mime_type, sha256 from ${table} where id = $1 and owner = $2 and data is not null`,
      [id, owner],
    );
    const row = rows[0];
    return row && { data: new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength) as Uint8Array<ArrayBuffer>, mimeType: row.mime_type, sha256: row.sha256 };
  }

  async attach(id: string, owner: string, threadId: string): Promise<void> {
    await this.pool.query(`update ${table} set thread_id = $3 where id = $1 and owner = $2`, [id, owner, threadId]);
  }

  async delete(id: string, owner: string): Promise<void> {
    await this.pool.query(`delete from ${table} where id = $1 and owner = $2`, [id, owner]);
  }

  async deleteThread(threadId: string, owner: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(`delete from ${table} where owner = $1 and thread_id = $2 returning id`, [owner, threadId]);
    return rows.map(row => row.id);
  }

  async sweep(createdBefore: number): Promise<FileEntry[]> {
    const { rows } = await this.pool.query<{ id: string; owner: string; created_at: string }>(
      `delete from ${table} where thread_id is null and created_at < $1 returning id, owner, created_at`,
      [createdBefore],
    );
    return rows.map(row => ({ id: row.id, owner: row.owner, createdAt: Number(row.created_at) }));
  }
}

/** SignedAttachmentStore with the bytes in PostgreSQL. Call `files.migrate()` once at start. */
export class PostgresAttachmentStore<C extends ChatKitContext = ChatKitContext> extends SignedAttachmentStore<C> {
  readonly files: PostgresAttachmentFiles;
  constructor(options: SignedAttachmentOptions<C> & { pool: pg.Pool }) {
    const files = new PostgresAttachmentFiles(options.pool);
    super(files, options);
    this.files = files;
  }
}
