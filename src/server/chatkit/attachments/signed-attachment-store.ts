// The attachments of a ChatKit server: two-phase uploads to short-lived, single-use signed URLs,
// previews at signed URLs ChatKit's frame loads without our header, and the bytes checked before
// they are kept. The bytes go to an AttachmentFiles (disk, PostgreSQL); the records stay in the Store.
import { authenticateRequest } from '../../fetch.js';
import type { Verifier } from '../../verify.js';
import type { ChatKitContext } from '../context.js';
import { ChatKitHttpError } from '../errors.js';
import type { ChatKitRoute } from '../server.js';
import { defaultGenerateId, NotFoundError, type AttachmentCreateParams, type AttachmentStore, type Store } from '../store.js';
import type { Attachment } from '../types.js';
import { AttachmentAwareStore } from './attachment-aware-store.js';
import { readLimited } from './body.js';
import { accepted, checkContent, defaultAccept, essence, rasterImages } from './content-type.js';
import type { AttachmentFiles } from './files.js';
import { UrlSigner } from './signing.js';

export interface SignedAttachmentOptions<C extends ChatKitContext = ChatKitContext> {
  /** The Store keeping the attachment records (and threads): wrapped, use `attachments.store` in its place. */
  store: Store<C>;
  /** Signs the upload and preview URLs (HMAC-SHA-256): at least 32 characters, secret, the same on every instance. */
  secret: string;
  /**
   * The ChatKit endpoint's URL (`https://api.example.com/chatkit`) or path (`/chatkit`, on the
   * request's origin). Uploads go to `{endpoint}/attachments/{id}/upload`, previews and downloads
   * come from `{endpoint}/attachments/{id}`. Give the absolute URL behind a proxy that rewrites hosts.
   */
  endpoint: string;
  /** Accepted types (`image/png`, `image/*`); default PNG, JPEG, GIF, WebP, PDF, plain text, Markdown, CSV, JSON. Only types whose bytes can be checked pass: SVG and HTML never do. */
  accept?: string[];
  /** Largest attachment in bytes; default 20,000,000 (20 MB). */
  maxSize?: number;
  /** When given, an upload that brings `Authorization` (through ChatKit's `api.fetch`) is verified too: a bad or expired token answers 401. */
  verifier?: Verifier;
  /** How long a preview URL works; default 600 s. Every read of the thread signs new ones. */
  previewSeconds?: number;
  /** How long an upload URL works; default 600 s. */
  uploadSeconds?: number;
  /** Origins allowed to `fetch()` a preview (CORS); default ChatKit's frame, `https://cdn.platform.openai.com`. An `<img>` needs none. */
  frameOrigins?: string[];
  /** Clock in ms (tests). */
  now?: () => number;
}

/** An attachment's bytes and what the server checked about them, for the model (`readAttachment`). */
export interface AttachmentContent {
  id: string;
  name: string;
  /** The checked type. */
  mimeType: string;
  data: Uint8Array<ArrayBuffer>;
  /** Lowercase hex. */
  sha256: string;
}

const day = 86_400_000;

/**
 * An AttachmentStore over any AttachmentFiles. Use `store` in place of your Store (it sets an
 * attachment's thread when a message is saved, removes a deleted thread's files and signs fresh
 * preview URLs whenever a thread is read) and mount `routes`:
 *
 * ```ts
 * const attachments = new DiskAttachmentStore({ directory: 'data/files', store, secret, endpoint: '/chatkit' });
 * createChatKitServer({ authUrl, store: attachments.store, attachmentStore: attachments, routes: attachments.routes, respond });
 * ```
 */
export class SignedAttachmentStore<C extends ChatKitContext = ChatKitContext> implements AttachmentStore<C> {
  /** The Store to give createChatKitServer. */
  readonly store: Store<C>;
  /** Upload (`PUT` raw bytes, `POST` multipart `file`) and download routes, for `createChatKitServer({ routes })`. */
  readonly routes: ChatKitRoute<C>[];
  readonly #files: AttachmentFiles;
  readonly #records: Store<C>;
  readonly #signer: UrlSigner;
  readonly #endpoint: string;
  readonly #accept: string[];
  readonly #maxSize: number;
  readonly #verifier: Verifier | undefined;
  readonly #previewSeconds: number;
  readonly #uploadSeconds: number;
  readonly #frameOrigins: string[];
  readonly #now: () => number;
  /** Uploads under way here: a second one for the same attachment is refused (single use). */
  readonly #uploading = new Set<string>();

  constructor(files: AttachmentFiles, options: SignedAttachmentOptions<C>) {
    this.#files = files;
    this.#records = options.store;
    this.#now = options.now ?? Date.now;
    this.#signer = new UrlSigner(options.secret, this.#now);
    this.#endpoint = options.endpoint.replace(/\/+$/, '');
    this.#accept = (options.accept ?? defaultAccept).map(type => type.toLowerCase());
    this.#maxSize = options.maxSize ?? 20_000_000;
    if (!Number.isSafeInteger(this.#maxSize) || this.#maxSize < 1) throw new TypeError('attachments maxSize must be a whole number of bytes.');
    this.#verifier = options.verifier;
    this.#previewSeconds = options.previewSeconds ?? 600;
    this.#uploadSeconds = options.uploadSeconds ?? 600;
    this.#frameOrigins = options.frameOrigins ?? ['https://cdn.platform.openai.com'];
    this.store = new AttachmentAwareStore(options.store, files, (attachment, context) => this.#present(attachment, context.user.sub, context.request));
    const path = `${new URL(this.#endpoint, 'http://path.invalid').pathname.replace(/\/+$/, '')}/attachments/:id`;
    const upload = (request: Request, { params }: { params: Record<string, string> }) => this.#upload(request, params.id!);
    this.routes = [
      { method: 'PUT', path: `${path}/upload`, public: true, handle: upload },
      { method: 'POST', path: `${path}/upload`, public: true, handle: upload },
      { method: 'GET', path, public: true, handle: (request, { params }) => this.#serve(request, params.id!) },
      { method: 'POST', path: path.slice(0, -'/:id'.length), handle: (request, { context }) => this.#direct(request, context!) },
    ];
  }

  /** `atc_` + random hex (defaultGenerateId). Override to choose your own. */
  generateAttachmentId(_mimeType: string, _context: C): string {
    return defaultGenerateId('attachment');
  }

  /** Checks name, size and type (400, 413, 415 with a message for the user) and answers the attachment with its upload descriptor. */
  async createAttachment({ name, size, mimeType }: AttachmentCreateParams, context: C): Promise<Attachment> {
    if (typeof name !== 'string' || !name.trim() || name.length > 255) {
      throw new ChatKitHttpError(400, 'attachment.invalid', 'An attachment needs a file name of at most 255 characters.');
    }
    if (!Number.isSafeInteger(size) || size < 1) throw new ChatKitHttpError(400, 'attachment.invalid', `${name} is empty, or its size is not a number of bytes.`);
    if (size > this.#maxSize) {
      throw new ChatKitHttpError(413, 'attachment.too_large', `${name} is ${megabytes(size)}: attachments can be up to ${megabytes(this.#maxSize)}.`);
    }
    const type = essence(`${mimeType}`);
    if (!type || !accepted(type, this.#accept)) {
      throw new ChatKitHttpError(415, 'attachment.type_refused', `${name}: files of type ${mimeType || 'unknown'} are not accepted here.`);
    }
    const id = this.generateAttachmentId(type, context);
    const owner = context.user.sub;
    await this.#files.reserve({ id, owner, createdAt: this.#now() });
    const token = await this.#signer.sign('upload', id, owner, this.#uploadSeconds);
    const attachment: Attachment = {
      type: 'file',
      id,
      name,
      mime_type: type,
      upload_descriptor: { url: `${this.#base(context.request)}/attachments/${id}/upload?token=${token}`, method: 'PUT', headers: { 'Content-Type': type } },
      metadata: { size },
    };
    return this.#present(attachment, owner, context.request);
  }

  /** Removes the bytes (the server removes the record). Another user's id: nothing, as for a missing one. */
  async deleteAttachment(attachmentId: string, context: C): Promise<void> {
    await this.#files.delete(attachmentId, context.user.sub);
  }

  /**
   * The caller's attachment with its bytes, for the model: e.g. a data URL
   * `data:${mimeType};base64,...` for `input_image`, or `input_file`. NotFoundError when it is missing,
   * another user's or not uploaded yet.
   */
  async readAttachment(attachmentId: string, context: C): Promise<AttachmentContent> {
    const record = await this.#records.loadAttachment(attachmentId, context);
    const content = await this.#files.read(attachmentId, context.user.sub);
    if (!content) throw new NotFoundError(`No attachment ${attachmentId}.`);
    return { id: record.id, name: record.name, ...content };
  }

  /**
   * A URL of the caller's attachment valid for `previewSeconds`, served like a preview (any type; a
   * non-image as a download). NotFoundError when it is missing or another user's.
   */
  async signedUrl(attachmentId: string, context: C): Promise<string> {
    await this.#records.loadAttachment(attachmentId, context);
    return this.#url(attachmentId, context.user.sub, context.request);
  }

  /** Removes attachments never sent in a message, older than `maxAgeMs` (default a day): bytes and records. Answers how many. */
  async sweep(maxAgeMs = day): Promise<number> {
    const removed = await this.#files.sweep(this.#now() - maxAgeMs);
    const request = new Request(new URL(this.#endpoint, 'http://sweep.invalid'));
    for (const { id, owner } of removed) await this.#records.deleteAttachment(id, this.#contextFor(owner, request));
    return removed.length;
  }

  async #upload(request: Request, id: string): Promise<Response> {
    const grant = await this.#signer.verify(new URL(request.url).searchParams.get('token'), 'upload', id);
    if (!grant) return refusal(403, 'upload.forbidden', 'This upload link is not valid (it may have expired): add the file again.');
    if (this.#verifier && request.headers.has('authorization')) {
      // The token came along (ChatKit's fetch): it is checked where it is used, and must be the owner's.
      const auth = await authenticateRequest(this.#verifier, request);
      if (!auth.ok) return auth.response;
      if (auth.identity.sub !== grant.owner) return refusal(403, 'upload.forbidden', 'This upload link is not valid (it may have expired): add the file again.');
    }
    const context = this.#contextFor(grant.owner, request);
    let attachment: Attachment;
    try {
      attachment = await this.#records.loadAttachment(id, context);
    } catch (error) {
      if (error instanceof NotFoundError) return notFound();
      throw error;
    }
    if (!attachment.upload_descriptor || this.#uploading.has(id)) {
      return refusal(409, 'upload.used', `${attachment.name} was uploaded already: an upload link works once.`);
    }
    this.#uploading.add(id);
    try {
      const declared = Number(attachment.metadata?.size);
      const file = request.method === 'PUT' ? { data: await readLimited(request.body, declared) } : await multipartFile(request, declared);
      const data = file && file.data;
      if (data === null) return refusal(400, 'upload.invalid', 'Send the file as the body (PUT) or as the multipart field "file" (POST).');
      if (data === undefined) return refusal(413, 'attachment.too_large', `${attachment.name} is larger than the ${declared} bytes announced.`);
      return await this.#keep(attachment, data, context);
    } finally {
      this.#uploading.delete(id);
    }
  }

  /**
   * The direct strategy (`uploadStrategy: { type: 'direct', uploadUrl: '{endpoint}/attachments' }`):
   * multipart `file` with the bearer (verified by the server first), checked as `attachments.create`
   * and an upload are; answers the attachment. Nothing is kept from a refused file.
   */
  async #direct(request: Request, context: C): Promise<Response> {
    const file = await multipartFile(request, this.#maxSize);
    if (file === null) return refusal(400, 'upload.invalid', 'Send the file as the multipart field "file".');
    if (file === undefined) return refusal(413, 'attachment.too_large', `The file is larger than ${megabytes(this.#maxSize)}: attachments can be up to ${megabytes(this.#maxSize)}.`);
    let attachment: Attachment;
    try {
      attachment = await this.createAttachment({ name: file.name, size: file.data.byteLength, mimeType: file.type }, context);
    } catch (error) {
      if (error instanceof ChatKitHttpError) return refusal(error.status, error.code, error.message);
      throw error;
    }
    const response = await this.#keep(attachment, file.data, context);
    if (!response.ok) await this.#files.delete(attachment.id, context.user.sub);
    return response;
  }

  /** Checks the bytes' real type, keeps them and the record without its upload descriptor; answers the attachment (or the refusal). */
  async #keep(attachment: Attachment, data: Uint8Array<ArrayBuffer>, context: C): Promise<Response> {
    const checked = await checkContent(data, attachment.mime_type);
    if ('refused' in checked || !accepted(checked.mimeType, this.#accept)) {
      return refusal(415, 'attachment.type_refused', `${attachment.name}: ${'refused' in checked ? checked.refused : `${checked.mimeType} is not accepted here.`}`);
    }
    const sha256 = hex(await crypto.subtle.digest('SHA-256', data));
    const owner = context.user.sub;
    if (!(await this.#files.write(attachment.id, owner, { data, mimeType: checked.mimeType, sha256 }))) return notFound();
    const { upload_descriptor: _used, ...rest } = attachment;
    const uploaded: Attachment = { ...rest, mime_type: checked.mimeType, metadata: { ...attachment.metadata, size: data.byteLength, sha256 } };
    await this.#records.saveAttachment(uploaded, context);
    const { metadata: _hidden, ...shown } = await this.#present(uploaded, owner, context.request);
    return Response.json(shown, { headers: { 'Cache-Control': 'no-store' } });
  }

  async #serve(request: Request, id: string): Promise<Response> {
    const grant = await this.#signer.verify(new URL(request.url).searchParams.get('token'), 'preview', id);
    // A bad, expired or altered signature, another user's id, a missing id: one answer.
    const content = grant && (await this.#files.read(id, grant.owner));
    if (!content) return notFound();
    const headers = new Headers({
      'Content-Type': content.mimeType,
      'Content-Length': `${content.data.byteLength}`,
      'X-Content-Type-Options': 'nosniff',
      // Opened directly, the file can run nothing; an uploaded page has no origin to act for.
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Cross-Origin-Resource-Policy': 'cross-origin',
      'Cache-Control': `private, max-age=${Math.max(0, grant.expiresAt - Math.floor(this.#now() / 1000))}`,
      'Content-Disposition': rasterImages.has(content.mimeType) ? 'inline' : 'attachment',
      Vary: 'Origin',
    });
    const origin = request.headers.get('origin');
    if (origin && this.#frameOrigins.includes(origin)) headers.set('Access-Control-Allow-Origin', origin);
    return new Response(content.data, { headers });
  }

  /** The attachment as the client sees it: an image gets a fresh preview URL signed for its owner. */
  async #present(attachment: Attachment, owner: string, request: Request): Promise<Attachment> {
    if (!rasterImages.has(attachment.mime_type)) return attachment.type === 'file' ? attachment : { ...withoutPreview(attachment), type: 'file' };
    return { ...attachment, type: 'image', preview_url: await this.#url(attachment.id, owner, request) };
  }

  async #url(id: string, owner: string, request: Request): Promise<string> {
    return `${this.#base(request)}/attachments/${id}?token=${await this.#signer.sign('preview', id, owner, this.#previewSeconds)}`;
  }

  #base(request: Request): string {
    return new URL(this.#endpoint, request.url).href.replace(/\/+$/, '');
  }

  /** The context of a request that a signed URL authorizes for its owner (no token came, or it was checked). */
  #contextFor(owner: string, request: Request): C {
    return { user: { sub: owner, claims: { sub: owner } }, request, signal: request.signal } as C;
  }
}

/** The multipart field `file`, read up to `limit` bytes (undefined past it); null when there is none. */
async function multipartFile(request: Request, limit: number): Promise<{ name: string; type: string; data: Uint8Array<ArrayBuffer> } | null | undefined> {
  const type = request.headers.get('content-type') ?? '';
  if (!type.startsWith('multipart/form-data')) return null;
  const body = await readLimited(request.body, limit + 65_536); // room for the part headers
  if (!body) return undefined;
  let file: ReturnType<FormData['get']>;
  try {
    file = (await new Response(body, { headers: { 'Content-Type': type } }).formData()).get('file');
  } catch {
    return null;
  }
  if (!file || typeof file === 'string') return null;
  return file.size > limit ? undefined : { name: file.name, type: file.type, data: new Uint8Array(await file.arrayBuffer()) };
}

function withoutPreview(attachment: Attachment): Omit<Attachment, 'type' | 'preview_url'> {
  const { preview_url: _url, type: _type, ...rest } = attachment as Attachment & { preview_url?: string };
  return rest;
}

function refusal(status: number, code: string, message: string): Response {
  return Response.json({ error: message, code }, { status, headers: { 'Cache-Control': 'no-store' } });
}

const notFound = () => refusal(404, 'not_found', 'No such attachment.');

const hex = (buffer: ArrayBuffer) => Array.from(new Uint8Array(buffer), byte => byte.toString(16).padStart(2, '0')).join('');

const megabytes = (bytes: number) => `${Number((bytes / 1e6).toFixed(1))} MB`;
