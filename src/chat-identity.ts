/** An `<auth-chatkit>` as its identity needs it. */
export interface Identified extends HTMLElement {
  mode: string | undefined;
  authUrl: string | undefined;
  apiUrl: string | undefined;
}

const value = (el: Identified, property: 'mode' | 'authUrl' | 'apiUrl', attribute: string) => el[property] ?? el.getAttribute(attribute) ?? '';

/** What tells two elements' chats apart: mode, auth server, backend and id. */
const signature = (el: Identified) =>
  JSON.stringify([value(el, 'mode', 'mode') === 'launcher', value(el, 'authUrl', 'auth-url'), value(el, 'apiUrl', 'api-url'), el.id]);

/**
 * Where `el` stands among the elements of its document (or shadow root) that are the same chat (same
 * mode, auth-url, api-url and id, or none): 0 for the first in document order. The `remember` entry
 * is keyed by it, and a launcher after the first (the same embed snippet included twice) is a
 * duplicate that shows nothing.
 */
export function placeOf(el: Identified): number {
  const mine = signature(el);
  let place = 0;
  for (const other of (el.getRootNode() as ParentNode).querySelectorAll<Identified>(el.localName)) {
    if (other === el) break;
    if (signature(other) === mine) place++;
  }
  return place;
}

/** This element's `remember` entry in sessionStorage: its auth server (the backend with a tokenProvider), mode, backend, and id or place. */
export function memoryKey(el: Identified, { authUrl, apiUrl }: { authUrl?: string; apiUrl: string }, place: number): string {
  return `auth-chatkit:memory:${JSON.stringify([authUrl ?? apiUrl, el.mode === 'launcher' ? 'launcher' : 'inline', apiUrl, el.id || place])}`;
}
