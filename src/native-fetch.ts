/**
 * The page's `fetch` as it was when the element's script loaded. The any-site sign-in sends its
 * verifier and credential with it, and the chat's requests their JWT, so a script that wraps
 * `window.fetch` later never sees them.
 */
export let nativeFetch: typeof fetch = globalThis.fetch?.bind(globalThis);

/** Captures `fetch` again: for tests that route the page's network through a stub installed later. */
export function captureFetch(): void {
  nativeFetch = globalThis.fetch.bind(globalThis);
}
