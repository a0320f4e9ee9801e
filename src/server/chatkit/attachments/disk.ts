// Attachments in a folder on disk (Node): `auth-chatkit/server/attachments/disk`. For one machine;
// several instances with no shared disk use PostgresAttachmentStore.
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChatKitContext } from '../context.js';
import type { AttachmentFiles, FileEntry, StoredContent } from './files.js';
import { SignedAttachmentStore, type SignedAttachmentOptions } from './signed-attachment-store.js';

interface Entry extends FileEntry {
  threadId?: string;
  mimeType?: string;
  sha256?: string;
}

/**
 * `{id}.json` (owner, thread, checked type, hash) and `{id}.bin` (the bytes) per attachment in
 * `directory`, written to a temporary name and renamed, so a crash never leaves half a file under its name.
 */
export class DiskAttachmentFiles implements AttachmentFiles {
  constructor(readonly directory: string) {}

  async reserve(entry: FileEntry): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    await this.#save({ id: entry.id, owner: entry.owner, createdAt: entry.createdAt });
  }

  async write(id: string, owner: string, { data, mimeType, sha256 }: StoredContent): Promise<boolean> {
    const entry = await this.#entry(id, owner);
    if (!entry) return false;
    await this.#replace(`${id}.bin`, data);
    await this.#save({ ...entry, mimeType, sha256 });
    return true;
  }

  async read(id: string, owner: string): Promise<StoredContent | undefined> {
    const entry = await this.#entry(id, owner);
    if (!entry?.mimeType || !entry.sha256) return undefined;
    const data = await readFile(join(this.directory, `${id}.bin`)).catch(() => undefined);
    return data && { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) as Uint8Array<ArrayBuffer>, mimeType: entry.mimeType, sha256: entry.sha256 };
  }

  async attach(id: string, owner: string, threadId: string): Promise<void> {
    const entry = await this.#entry(id, owner);
    if (entry && entry.threadId !== threadId) await this.#save({ ...entry, threadId });
  }

  async delete(id: string, owner: string): Promise<void> {
    if (await this.#entry(id, owner)) await this.#remove(id);
  }

  async deleteThread(threadId: string, owner: string): Promise<string[]> {
    const gone = (await this.#entries()).filter(entry => entry.owner === owner && entry.threadId === threadId);
    for (const { id } of gone) await this.#remove(id);
    return gone.map(entry => entry.id);
  }

  async sweep(createdBefore: number): Promise<FileEntry[]> {
    const gone = (await this.#entries()).filter(entry => !entry.threadId && entry.createdAt < createdBefore);
    for (const { id } of gone) await this.#remove(id);
    return gone.map(({ id, owner, createdAt }) => ({ id, owner, createdAt }));
  }

  /** The owner's entry; undefined for another owner's, a missing one, or an id that is no file name of ours. */
  async #entry(id: string, owner: string): Promise<Entry | undefined> {
    if (!/^[\w-]{1,64}$/.test(id)) return undefined;
    const text = await readFile(join(this.directory, `${id}.json`), 'utf8').catch(() => undefined);
    const entry = text === undefined ? undefined : (JSON.parse(text) as Entry);
    return entry?.owner === owner ? entry : undefined;
  }

  async #entries(): Promise<Entry[]> {
    const names = await readdir(this.directory).catch(() => [] as string[]);
    const entries = await Promise.all(
      names.filter(name => name.endsWith('.json')).map(name => readFile(join(this.directory, name), 'utf8').then(text => JSON.parse(text) as Entry, () => undefined)),
    );
    return entries.filter(entry => entry !== undefined);
  }

  #save(entry: Entry): Promise<void> {
    return this.#replace(`${entry.id}.json`, JSON.stringify(entry));
  }

  async #replace(name: string, data: string | Uint8Array): Promise<void> {
    const temporary = join(this.directory, `.${name}.${crypto.randomUUID()}`);
    await writeFile(temporary, data);
    await rename(temporary, join(this.directory, name));
  }

  async #remove(id: string): Promise<void> {
    await rm(join(this.directory, `${id}.bin`), { force: true });
    await rm(join(this.directory, `${id}.json`), { force: true });
  }
}

/** SignedAttachmentStore with the bytes in `directory` (created when needed). */
export class DiskAttachmentStore<C extends ChatKitContext = ChatKitContext> extends SignedAttachmentStore<C> {
  constructor(options: SignedAttachmentOptions<C> & { directory: string }) {
    super(new DiskAttachmentFiles(options.directory), options);
  }
}
