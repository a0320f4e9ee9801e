// What goes to the client, built field by field in chatkit-python's key order with absent fields left
// out (its `exclude_none`), and each event serialised once.
import type { Attachment, Page, Thread, ThreadItem, ThreadMetadata } from './types.js';

const EMPTY_ITEMS: Page<ThreadItem> = Object.freeze({ data: [], has_more: false }) as Page<ThreadItem>;

/** The thread as the client sees it: `metadata` is server-only (always `{}`, as the reference sends it); `items` empty unless given. */
export function threadResponse(thread: ThreadMetadata, items: Page<ThreadItem> = EMPTY_ITEMS): Thread {
  const response = {} as Thread;
  if (thread.title !== undefined && thread.title !== null) response.title = thread.title;
  response.id = thread.id;
  response.created_at = thread.created_at;
  response.status = thread.status;
  if (thread.allowed_image_domains !== undefined && thread.allowed_image_domains !== null) response.allowed_image_domains = thread.allowed_image_domains;
  response.metadata = {};
  response.items = items;
  return response;
}

/** The attachment without its server-only `metadata`. */
export function attachmentResponse(attachment: Attachment): Attachment {
  if (attachment.metadata === undefined) return attachment;
  const { metadata: _metadata, ...visible } = attachment;
  return visible as Attachment;
}

/** The attachment used in thread `threadId`, its fields in chatkit-python's order (thread_id after upload_descriptor). */
export function attachmentInThread(attachment: Attachment, threadId: string): Attachment {
  const { id, name, mime_type, upload_descriptor, metadata, ...rest } = attachment;
  const { thread_id: _old, ...kind } = rest;
  return {
    id,
    name,
    mime_type,
    ...(upload_descriptor !== undefined && { upload_descriptor }),
    thread_id: threadId,
    ...(metadata !== undefined && { metadata }),
    ...kind,
  } as Attachment;
}

/** Items the client never sees: context for the model only. */
export const isHidden = (item: ThreadItem) => item.type === 'hidden_context_item' || item.type === 'sdk_hidden_context';

/** The few fields of a thread that `thread.updated` reports (metadata and image domains serialised only when present). */
export interface ThreadFields {
  title: string | null;
  status: string;
  reason: string | null;
  domains: string | null;
  metadata: string;
}

export function threadFields(thread: ThreadMetadata): ThreadFields {
  const status = thread.status as { type: string; reason?: string | null };
  return { title: thread.title ?? null, status: status.type, reason: status.reason ?? null, domains: domainsText(thread), metadata: metadataText(thread) };
}

/** Whether `thread` differs from `fields` in what `thread.updated` reports; compared field by field, without allocating. */
export function threadFieldsChanged(thread: ThreadMetadata, fields: ThreadFields): boolean {
  const status = thread.status as { type: string; reason?: string | null };
  return (
    (thread.title ?? null) !== fields.title ||
    status.type !== fields.status ||
    (status.reason ?? null) !== fields.reason ||
    domainsText(thread) !== fields.domains ||
    metadataText(thread) !== fields.metadata
  );
}

const domainsText = (thread: ThreadMetadata) => thread.allowed_image_domains?.join('\u0002') ?? null;

function metadataText(thread: ThreadMetadata): string {
  for (const _key in thread.metadata) return JSON.stringify(thread.metadata);
  return '';
}
