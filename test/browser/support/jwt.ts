// Unsigned JWT-shaped strings for tests: the browser only decodes tokens (verification is the chat
// backend's job), so a fake signature is enough here.
export const base64url = (value: string) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(value)))
    .replace(/=+$/, '')
    .replace(/\+/g, '-')
    .replace(/\//g, '_');

export function fakeJwt(claims: Record<string, unknown>): string {
  return `${base64url(JSON.stringify({ alg: 'EdDSA', kid: 'test' }))}.${base64url(JSON.stringify(claims))}.c2ln`;
}
