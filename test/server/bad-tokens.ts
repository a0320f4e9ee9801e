// The matrix of bad tokens, shared by the verifier's own tests (verify.test.ts) and the demo's chat
// route (auth.test.ts): each with the 401 code and the logged reason it must get. Real signatures
// where the attack needs one: the server's own signing key (Better Auth's signJWT), a second Better
// Auth instance's, keys generated here.
import { SignJWT, exportSPKI, generateKeyPair, importJWK } from 'jose';
import type { JWK } from 'jose';
import type { RejectionReason } from '../../src/server/index.js';
import { address, decodePart, encodePart, getToken, signUp, startTestServer, userWithToken } from './helpers.js';
import type { Target, TestServer } from './helpers.js';

export interface BadToken {
  label: string;
  token: string;
  code: 'invalid_token' | 'token_expired';
  reason: RejectionReason;
}

export const now = () => Math.floor(Date.now() / 1000);

export interface MatrixServers {
  server: TestServer;
  /** Another Better Auth instance claiming the same issuer and audience, with its own keys. */
  other: TestServer;
  /** Grace, signed up on `server`, with a token. */
  user: Awaited<ReturnType<typeof userWithToken>>;
  stop(): Promise<void>;
}

/** What badTokens needs: a demo server, a second Better Auth instance posing as it, a user with a token. */
export async function matrixServers(): Promise<MatrixServers> {
  const server = await startTestServer();
  const other = await startTestServer({ env: { PUBLIC_URL: server.url } });
  return {
    server,
    other,
    user: await userWithToken(server, 'Grace'),
    async stop() {
      await server.stop();
      await other.stop();
    },
  };
}

/** A token signed with the server's real signing key, with whatever claims the test wants. */
export async function signWithServerKey(server: TestServer, payload: Record<string, unknown>): Promise<string> {
  const { token } = await server.app.auth.auth.api.signJWT({ body: { payload } });
  return token;
}

export async function serverJwks(server: Target): Promise<JWK[]> {
  return ((await (await fetch(`${address(server)}/api/auth/jwks`)).json()) as { keys: JWK[] }).keys;
}

/** `server`'s bad tokens for `user`. */
export async function badTokens({ server, other, user }: MatrixServers): Promise<BadToken[]> {
  const [jwk] = await serverJwks(server);
  if (!jwk?.kid) throw new Error('the server publishes no key with a kid');
  const claims = { sub: user.userId, name: 'Grace', iat: now(), exp: now() + 600, iss: server.url, aud: server.url };
  const invalid = (label: string, token: string, reason: RejectionReason): BadToken => ({ label, token, code: 'invalid_token', reason });

  // HS256 "signed" with the server's public key (the classic algorithm confusion)
  const publicPem = await exportSPKI((await importJWK(jwk, 'EdDSA')) as CryptoKey);
  const hs256 = (secret: string) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: jwk.kid }).sign(new TextEncoder().encode(secret));
  // a key of our own, presented under the server's kid
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  // a real token of another Better Auth instance: same iss and aud, its own key and kid
  const foreign = await getToken(other, await signUp(other, 'Mallory'));
  if (decodePart(foreign, 1).iss !== server.url) throw new Error('the other instance must claim the same issuer');
  // a real token with its payload changed, the signature kept
  const [header, payload, signature] = user.token.split('.');

  return [
    invalid('garbage', 'not-a-jwt', 'malformed'),
    invalid('three garbage parts', 'a.b.c', 'malformed'),
    invalid('alg none', `${encodePart({ alg: 'none', typ: 'JWT' })}.${encodePart(claims)}.`, 'algorithm'),
    invalid('alg none with the real kid', `${encodePart({ alg: 'none', kid: jwk.kid })}.${encodePart(claims)}.`, 'algorithm'),
    invalid('HS256 with the public key PEM', await hs256(publicPem), 'algorithm'),
    invalid('HS256 with the JWK x', await hs256(jwk.x ?? ''), 'algorithm'),
    invalid('own key, real kid', await new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: jwk.kid }).sign(privateKey), 'signature'),
    invalid('token of another Better Auth instance', foreign, 'unknown_kid'),
    invalid('tampered payload', `${header}.${encodePart({ ...decodePart(user.token, 1), sub: 'someone-else' })}.${signature}`, 'signature'),
    invalid('signature cut off', `${header}.${payload}.`, 'signature'),
    // real signatures, wrong claims
    invalid('wrong audience', await signWithServerKey(server, { ...claims, aud: 'https://elsewhere.example' }), 'audience'),
    invalid('wrong issuer', await signWithServerKey(server, { ...claims, iss: 'https://elsewhere.example' }), 'issuer'),
    invalid('no sub', await signWithServerKey(server, { name: 'Nobody', iat: now(), exp: now() + 600 }), 'claims'),
    invalid('empty sub', await signWithServerKey(server, { ...claims, sub: '' }), 'claims'),
    invalid('not yet valid (nbf in 10 min)', await signWithServerKey(server, { ...claims, nbf: now() + 600 }), 'not_yet_valid'),
    { label: 'expired a minute ago', token: await signWithServerKey(server, { ...claims, iat: now() - 120, exp: now() - 60 }), code: 'token_expired', reason: 'expired' },
  ];
}
