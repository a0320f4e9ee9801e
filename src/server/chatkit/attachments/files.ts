// Where an attachment's bytes live, behind one small interface: a folder on disk (one machine) and
// PostgreSQL (several instances) implement it; SignedAttachmentStore does the checking around it.

/** An attachment's bytes as stored, with what was checked about them. */
export interface StoredContent {
  data: Uint8Array<ArrayBuffer>;
  /** The checked type (the bytes' signature matched the declared type). */
  mimeType: string;
  /** SHA-256 of `data`, lowercase hex. */
  sha256: string;
}

/** One attachment in the file store: who owns it, and the thread it was sent in, if any yet. */
export interface FileEntry {
  id: string;
  /** The owner's `sub`. */
  owner: string;
  /** Ms since the epoch, when `attachments.create` reserved it. */
  createdAt: number;
}

/**
 * Bytes by attachment id, every call scoped to the owner: another owner's id behaves like a missing
 * one. Ids are the server's (`atc_` + hex), never a user's text.
 */
export interface AttachmentFiles {
  /** Notes a new attachment before its bytes arrive, so an upload that never comes is swept too. */
  reserve(entry: FileEntry): Promise<void>;
  /** Stores the bytes of a reserved attachment; false when the owner has no such reservation. */
  write(id: string, owner: string, content: StoredContent): Promise<boolean>;
  /** The bytes, or undefined when missing, not uploaded yet, or another owner's. */
  read(id: string, owner: string): Promise<StoredContent | undefined>;
  /** Records the thread the attachment was sent in: it then lives as long as the thread. */
  attach(id: string, owner: string, threadId: string): Promise<void>;
  /** Removes one attachment's bytes; nothing when there is none. */
  delete(id: string, owner: string): Promise<void>;
  /** Removes every attachment sent in the thread; answers their ids. */
  deleteThread(threadId: string, owner: string): Promise<string[]>;
  /** Removes the attachments created before `createdBefore` (ms) and never sent in a thread; answers them. */
  sweep(createdBefore: number): Promise<FileEntry[]>;
}
