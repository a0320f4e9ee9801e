import { AuthChatKitError } from './errors.js';
import { scriptURL } from './trusted-types.js';

/** OpenAI's evergreen ChatKit script (it defines `<openai-chatkit>`). */
export const defaultChatKitSrc = 'https://cdn.platform.openai.com/deployments/chatkit/chatkit.js';

export interface LoadChatKitOptions {
  /** Given to the script inserted, so a Content Security Policy with this nonce allows it. */
  nonce?: string;
  /** How long to wait for `<openai-chatkit>` to be defined, in ms (default 15 s). */
  timeoutMs?: number;
}

/**
 * Makes sure `<openai-chatkit>` is defined: inserts the script once per page (joining a script
 * already there with the same src, ours or the page's) and waits for the definition. Fails with
 * `chatkit-load` on a load error, when the page's Trusted Types refuse the script URL, or when
 * nothing is defined in time; a script we inserted is then removed, so a retry inserts a fresh one.
 */
export function loadChatKit(src: string, { nonce, timeoutMs = 15_000 }: LoadChatKitOptions = {}): Promise<void> {
  if (customElements.get('openai-chatkit')) return Promise.resolve();
  let url: string;
  try {
    url = new URL(src, document.baseURI).href;
  } catch (cause) {
    return Promise.reject(new AuthChatKitError('chatkit-load', `ChatKit could not be loaded from ${src} (not a URL).`, { cause }));
  }
  return new Promise((resolve, reject) => {
    const existing = [...document.scripts].find(script => script.src === url);
    let script: HTMLScriptElement;
    try {
      // `nonce` is the IDL attribute: CSP reads the element's nonce slot, which the content attribute
      // does not show on pages whose policy came in a header.
      script = existing ?? Object.assign(document.createElement('script'), { src: scriptURL(url), async: true, nonce: nonce ?? '' });
    } catch (error) {
      // a refused Trusted Types policy, or a page's default policy refusing the URL
      return reject(error instanceof AuthChatKitError ? error : new AuthChatKitError('chatkit-load', `ChatKit could not be loaded from ${url} (${String(error)}).`, { cause: error }));
    }
    const fail = (why: string) => {
      clearTimeout(timer);
      if (!existing) script.remove();
      reject(new AuthChatKitError('chatkit-load', `ChatKit could not be loaded from ${url} (${why}).`));
    };
    const timer = setTimeout(fail, timeoutMs, `not defined within ${timeoutMs / 1000} s`);
    script.addEventListener('error', () => fail('load error'), { once: true });
    customElements.whenDefined('openai-chatkit').then(() => {
      clearTimeout(timer);
      resolve();
    });
    if (!existing) document.head.append(script);
  });
}

/**
 * The element's ChatKit script: loads the `src` asked for (again only when it changes, or after
 * `retry()` following a failure) and keeps why it failed. `settled` hears of each load of the
 * current src: with the `chatkit-load` error, or nothing once `<openai-chatkit>` is defined.
 */
export class ChatKitScript {
  /** Why the current src failed to load, if it did. */
  error: AuthChatKitError | undefined;
  #src: string | undefined;

  constructor(private readonly settled: (error?: AuthChatKitError) => void) {}

  load(src: string, nonce?: string): void {
    if (src === this.#src) return;
    this.#src = src;
    this.error = undefined;
    loadChatKit(src, { nonce }).then(
      () => this.settled(),
      (error: AuthChatKitError) => {
        if (this.#src !== src) return;
        this.error = error;
        this.settled(error);
      },
    );
  }

  /** After a failure, the next `load()` tries again. */
  retry(): void {
    if (this.error) this.#src = undefined;
  }
}
