// The token of `Authorization: Bearer <token>` (RFC 6750 section 2.1; the scheme is
// case-insensitive). Only that header: a token in a query string or a body lands in logs and
// caches, so it is never looked for there.
const BEARER = /^Bearer +(\S+) *$/i;

/** The token, or undefined when the header is absent, empty, another scheme, or not one token. */
export function bearerToken(authorization: string | null | undefined): string | undefined {
  if (!authorization) return undefined;
  return BEARER.exec(authorization)?.[1];
}
