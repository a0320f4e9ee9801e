// The verifier on its own, with real jose keys: the synchronous cache-hit path the app takes on
// every request (`cached`), and that it never answers for a token it has not verified or whose exp
// has passed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { createStats } from '../../demo/server/stats.js';
import { createVerifier } from '../../demo/server/verify.js';

const issuer = 'http://127.0.0.1:9';

async function setUp() {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA' };
  const stats = createStats();
  const verifier = createVerifier({
    jwksUrl: `${issuer}/api/auth/jwks`,
    issuer,
    audience: issuer,
    cacheSize: 10,
    reloadIntervalMs: 10_000,
    timeoutMs: 1_000,
    clockToleranceSec: 5,
    stats,
    fetch: async () => Response.json({ keys: [jwk] }),
  });
  const sign = (expiresAt: number) =>
    new SignJWT({ name: 'Ada' })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
      .setSubject('user-1')
      .setIssuer(issuer)
      .setAudience(issuer)
      .setIssuedAt()
      .setExpirationTime(expiresAt)
      .sign(privateKey);
  return { verifier, stats, sign };
}

describe('verifier cache', () => {
  test('cached answers only for a token verified before, without verifying again', async () => {
    const { verifier, stats, sign } = await setUp();
    const token = await sign(Math.floor(Date.now() / 1000) + 600);
    assert.equal(verifier.cached(token), undefined, 'never verified');
    const identity = await verifier.verify(token);
    assert.equal(identity.sub, 'user-1');
    assert.equal(identity.name, 'Ada');
    assert.deepEqual(verifier.cached(token), identity);
    assert.deepEqual(await verifier.verify(token), identity);
    assert.equal(stats.tokenVerifications, 1, 'jwtVerify ran once');
    assert.equal(stats.tokenCacheHits, 2);
    const other = await sign(Math.floor(Date.now() / 1000) + 601);
    assert.equal(verifier.cached(other), undefined, 'another token of the same user is not known');
  });

  test('a token past its exp is not served from the cache, though the clock tolerance let it in', async () => {
    const { verifier, stats, sign } = await setUp();
    const token = await sign(Math.floor(Date.now() / 1000) - 2); // expired 2 s ago, within the 5 s tolerance
    await verifier.verify(token);
    assert.equal(verifier.cached(token), undefined);
    await verifier.verify(token);
    assert.equal(stats.tokenVerifications, 2, 'verified again, not taken from the cache');
    assert.equal(stats.tokenCacheHits, 0);
  });
});
