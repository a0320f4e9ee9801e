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
 * for the chat backend's origin, with a token fresh for at least a few seconds. On a 401 it forces
 * one refresh and retries once; anything for another origin passes through untouched.
 */
export function authorizedFetch({ source, apiUrl, onRejected, fetch: send = (...args) => fetch(...args) }: AuthorizedFetchOptions): typeof fetch {
  const apiOrigin = new URL(apiUrl).origin;
  return async (input, init) => {
    // `new Request` takes init.headers as a Headers object, an array of pairs or a plain object.
    const request = new Request(input, init);
    if (new URL(request.url).origin !== apiOrigin) return send(input, init);
    const replay = request.clone(); // the body stays replayable for the one retry
    const token = await source.getToken();
    const first = await send(withBearer(request, token));
    if (first.status !== 401) return first;

    let fresh: string;
    try {
      fresh = await source.getToken({ rejected: token });
    } catch {
      return first; // signed out meanwhile: ChatKit gets the backend's own answer
    }
    await first.body?.cancel();
    const second = await send(withBearer(replay, fresh));
    if (second.status === 401) onRejected?.(second);
    return second;
  };
}

function withBearer(request: Request, token: string): Request {
  const headers = new Headers(request.headers);
  headers.set('Authorization', `Bearer ${token}`);
  return new Request(request, { headers });
}
