// Stands in for Better Auth's JWT plugin (`GET /api/auth/token`): a token the element can time (it
// reads `iat` and `exp`; only the chat backend verifies signatures, and there is none here).
const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function GET() {
  const now = Math.floor(Date.now() / 1000);
  return Response.json({ token: `${part({ alg: 'EdDSA', typ: 'JWT' })}.${part({ sub: 'u1', iat: now, exp: now + 900 })}.c2lnbmF0dXJl` });
}

export const dynamic = 'force-dynamic';
