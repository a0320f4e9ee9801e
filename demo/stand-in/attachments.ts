// The stand-in's composer attachments, uploaded as ChatKit's runtime does. Two-phase (the default):
// `attachments.create` through `api.fetch`, the bytes to the answer's `upload_descriptor.url` with its
// method and headers, also through `api.fetch` (which leaves another host untouched). Direct
// (`uploadStrategy: { type: 'direct', uploadUrl }`): multipart `file` to `uploadUrl` through
// `api.fetch`, answered by the attachment. Then the message names the attachment ids. Previews are an <img> of `preview_url`: the image is fetched by the browser
// with no Authorization, as ChatKit's frame fetches it.
import type { ChatKitOptions, CustomApiConfig } from '@openai/chatkit';
import type { Attachment } from '../../src/server/chatkit/types.js';

type Options = ChatKitOptions & { api: CustomApiConfig };
type Limits = NonNullable<NonNullable<ChatKitOptions['composer']>['attachments']>;

interface Pending {
  name: string;
  /** Settles with the uploaded attachment, or undefined when it was refused (the message is shown). */
  done: Promise<Attachment | undefined>;
  entry: HTMLLIElement;
}

export const attachmentStyles = `
.files{list-style:none;display:flex;flex-wrap:wrap;gap:.4rem;margin:0;padding:0}
.files li{display:flex;align-items:center;gap:.35rem;font-size:13px;border:1px solid var(--line);border-radius:8px;padding:.2rem .45rem;background:var(--bubble)}
.files img{max-width:8rem;max-height:6rem;border-radius:6px;display:block}
.files li.refused{color:#cf222e}
form.composer .attach{padding:.3rem .55rem}
.pending{padding:0 .75rem}
`;

/** The file button, the hidden file input and the list of files being sent with the next message. */
export class ComposerAttachments {
  readonly button = Object.assign(document.createElement('button'), { type: 'button', className: 'attach', textContent: '📎', hidden: true });
  readonly input = Object.assign(document.createElement('input'), { type: 'file', multiple: true, hidden: true });
  readonly list = Object.assign(document.createElement('ul'), { className: 'files pending' });
  #pending: Pending[] = [];

  constructor(
    private readonly options: () => Options | undefined,
    private readonly fail: (error: Error) => void,
  ) {
    this.button.setAttribute('aria-label', 'Attach files');
    this.input.setAttribute('aria-label', 'Files to attach');
    this.button.addEventListener('click', () => this.input.click());
    this.input.addEventListener('change', () => {
      this.add([...(this.input.files ?? [])]);
      this.input.value = '';
    });
  }

  /** Shows the button when the options enable attachments; the picker offers what they accept. */
  configure(): void {
    const limits = this.#limits();
    this.button.hidden = !limits;
    this.input.accept = Object.entries(limits?.accept ?? {}).flatMap(([type, extensions]) => [type, ...extensions]).join(',');
  }

  /** Uploads each file, refusing what the composer's limits refuse, as ChatKit's composer does. */
  add(files: File[]): void {
    const limits = this.#limits();
    for (const file of files) {
      const entry = document.createElement('li');
      entry.textContent = `${file.name} (uploading…)`;
      this.list.append(entry);
      const maxSize = typeof limits?.maxSize === 'number' ? limits.maxSize : undefined;
      const refusal =
        this.#pending.length >= (limits?.maxCount ?? 10)
          ? `${file.name}: at most ${limits?.maxCount ?? 10} files per message.`
          : maxSize !== undefined && file.size > maxSize
            ? `${file.name} is larger than ${maxSize} bytes.`
            : undefined;
      const done = refusal ? Promise.resolve(this.#refuse(entry, new Error(refusal))) : this.#upload(file, entry);
      this.#pending.push({ name: file.name, done, entry });
    }
  }

  /** The ids of the files uploaded for the next message (waiting for uploads under way), and an empty list. */
  async take(): Promise<string[]> {
    const pending = this.#pending;
    this.#pending = [];
    const uploaded = await Promise.all(pending.map(file => file.done));
    this.list.replaceChildren();
    return uploaded.filter(attachment => attachment !== undefined).map(attachment => attachment.id);
  }

  async #upload(file: File, entry: HTMLLIElement): Promise<Attachment | undefined> {
    const { url, fetch: send = fetch, uploadStrategy } = this.options()!.api;
    try {
      const attachment =
        uploadStrategy?.type === 'direct'
          ? await answer(file, await send(uploadStrategy.uploadUrl, { method: 'POST', body: formWith(file) }))
          : await this.#twoPhase(file, url, send);
      entry.replaceChildren(...renderAttachment(attachment).childNodes);
      return attachment;
    } catch (error) {
      return this.#refuse(entry, error instanceof Error ? error : new Error(String(error)));
    }
  }

  async #twoPhase(file: File, url: string, send: typeof fetch): Promise<Attachment> {
    const created = await send(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'attachments.create', params: { name: file.name, size: file.size, mime_type: file.type } }),
    });
    const attachment = await answer(file, created);
    const descriptor = attachment.upload_descriptor;
    if (!descriptor) throw new Error(`${file.name}: the server gave no upload URL.`);
    const body = descriptor.method === 'PUT' ? file : formWith(file);
    const uploaded = await send(descriptor.url, { method: descriptor.method, headers: descriptor.headers ?? {}, body });
    // A storage host may answer with no body: the attachment is the one attachments.create answered.
    if (!uploaded.ok) await answer(file, uploaded);
    return attachment;
  }

  #refuse(entry: HTMLLIElement, error: Error): undefined {
    entry.className = 'refused';
    entry.textContent = error.message;
    this.fail(error);
    return undefined;
  }

  #limits(): Limits | undefined {
    const limits = this.options()?.composer?.attachments;
    return limits?.enabled ? limits : undefined;
  }
}

/** A message's attachments: images as an <img> of their preview URL, other files by name. */
export function renderAttachments(attachments: readonly Attachment[]): HTMLUListElement {
  const list = document.createElement('ul');
  list.className = 'files';
  list.append(...attachments.map(renderAttachment));
  return list;
}

function renderAttachment(attachment: Attachment): HTMLLIElement {
  const entry = document.createElement('li');
  entry.dataset.attachmentId = attachment.id;
  if (attachment.type === 'image' && /^https?:/.test(attachment.preview_url)) {
    const image = document.createElement('img');
    image.alt = attachment.name;
    image.src = attachment.preview_url;
    entry.append(image);
  } else {
    entry.textContent = `📄 ${attachment.name}`;
  }
  return entry;
}

function formWith(file: File): FormData {
  const form = new FormData();
  form.append('file', file);
  return form;
}

/** The attachment a successful answer carries; a refusal's message as an Error. */
async function answer(file: File, response: Response): Promise<Attachment> {
  if (response.ok) return (await response.json()) as Attachment;
  let message = `${file.name}: the upload failed (${response.status}).`;
  try {
    message = ((await response.json()) as { error?: string }).error ?? message;
  } catch {
    // not JSON
  }
  throw new Error(message);
}
