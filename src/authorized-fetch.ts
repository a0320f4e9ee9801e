import { nativeFetch } from './native-fetch.js';
import type { TokenSource } from './token-source.js';

export interface AuthorizedFetchOptions {
  source: Pick<TokenSource, 'getToken'>;
  /** Absolute URL of the chat backend: the token goes to this origin only. */
  apiUrl: string;
  /** Called when the backend refuses a freshly refreshed token too (the response goes back to ChatKit). */
  onRejected?: (response: Response) => void;
  fetch?: typeof fetch;
}

/**
 * The `fetch` given to ChatKit (`options.api.fetch`): adds `Authorization: Bearer <JWT>` to requests
 * for the chat backend's origin (its upload routes included), with a token fresh for at least a few
 * seconds. On a 401 it forces one refresh and retries once with the same body. Anything for another
 * origin (a presigned storage URL) passes through untouched: such hosts refuse an `Authorization`.
 * It sends with the `fetch` captured when the element's script loaded, so a script that wraps
 * `window.fetch` later does not see the token go by.
 */
export function authorizedFetch({ source, apiUrl, onRejected, fetch: send = (...args) => nativeFetch(...args) }: AuthorizedFetchOptions): typeof fetch {
  const apiOrigin = new URL(apiUrl).origin;
  return async (input, init) => {
    // Read the URL without building a Request: that would take over the body of a Request given.
    const url = new URL(input instanceof Request ? input.url : `${input}`, globalThis.location?.href);
    if (url.origin !== apiOrigin) return send(input, init);
    const request = new Request(input, init);
    // Headers as given: a FormData sent again gets a new multipart boundary, so no derived Content-Type.
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    const token = await source.getToken();
    const body = await replayable(init?.body, request);
    const attempt = (token: string) => {
      headers.set('Authorization', `Bearer ${token}`);
      return new Request(request, { headers, body });
    };
    const first = await send(attempt(token));
    if (first.status !== 401) return first;

    let fresh: string;
    try {
      fresh = await source.getToken({ rejected: token });
    } catch {
      return first; // signed out meanwhile: ChatKit gets the backend's own answer
    }
    await first.body?.cancel();
    const second = await send(attempt(fresh));
    if (second.status === 401) onRejected?.(second);
    return second;
  };
}

/**
 * A body that can be sent twice without a second copy in memory: a string, Blob/File, FormData,
 * buffer or URLSearchParams is sent again as it is (a File stays a reference to the file); a stream,
 * or the body of a Request given, is read once into a Blob (which the browser may keep on disk).
 */
async function replayable(given: BodyInit | null | undefined, request: Request): Promise<BodyInit | undefined> {
  if (given != null && !(given instanceof ReadableStream)) return given;
  return request.body ? request.blob() : undefined;
}
