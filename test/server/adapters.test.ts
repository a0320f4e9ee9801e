// The package's adapters in real servers on loopback, with real Better Auth tokens from the demo
// backend: the Node middleware in an Express 5 app, the Fetch-API adapter in a plain Request ->
// Response handler (as Next.js route handlers, Bun, Deno and Workers are written) and in Hono, both on
// node:http through @hono/node-server. Each answers the user, or JSON { error, code } with the
// status and challenge of the refusal, never a 500.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createAdaptorServer } from '@hono/node-server';
import express from 'express';
import { Hono } from 'hono';
import { authenticateRequest, authMiddleware, createVerifier } from '../../src/server/index.js';
import type { Identity, Rejection, Verifier } from '../../src/server/index.js';
import { now, signWithServerKey } from './bad-tokens.js';
import { closedPort, LIMIT, listenOnLoopback, startTestServer, userWithToken } from './helpers.js';
import type { TestServer } from './helpers.js';

// How an Express app types req.auth (the README's example): the middleware sets it, typed here once.
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express's types are augmented this way
  namespace Express {
    interface Request {
      auth?: Identity;
    }
  }
}

/** Three apps answering POST /chat with the caller's identity, each behind one adapter. */
function expressApp(verifier: Verifier): Server {
  const app = express();
  app.post('/chat', authMiddleware(verifier), (request, response) => {
    response.json({ who: request.auth });
  });
  return createServer(app);
}

function fetchHandler(verifier: Verifier) {
  return async (request: Request): Promise<Response> => {
    const auth = await authenticateRequest(verifier, request);
    if (!auth.ok) return auth.response;
    return Response.json({ who: auth.identity });
  };
}

function honoApp(verifier: Verifier) {
  const app = new Hono<{ Variables: { identity: Identity } }>();
  app.use('/chat', async (c, next) => {
    const auth = await authenticateRequest(verifier, c.req.raw);
    if (!auth.ok) return auth.response;
    c.set('identity', auth.identity);
    await next();
  });
  app.post('/chat', c => c.json({ who: c.get('identity') }));
  return app;
}

const adapters: [string, (verifier: Verifier) => Server][] = [
  ['Express 5 + authMiddleware', expressApp],
  ['a Fetch-API handler + authenticateRequest', verifier => createAdaptorServer({ fetch: fetchHandler(verifier) }) as Server],
  ['Hono + authenticateRequest', verifier => createAdaptorServer({ fetch: honoApp(verifier).fetch }) as Server],
];

function post(url: string, authorization?: string): Promise<Response> {
  return fetch(`${url}/chat?room=1`, { method: 'POST', headers: authorization === undefined ? {} : { Authorization: authorization } });
}

async function expectRefusal(response: Response, status: number, code: string, label: string): Promise<void> {
  const text = await response.text();
  assert.equal(response.status, status, `${label}: ${text}`);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/, label);
  const body = JSON.parse(text) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['code', 'error'], label);
  assert.equal(body.code, code, label);
  if (status === 503) assert.equal(response.headers.get('retry-after'), '5', label);
  else assert.equal(response.headers.get('www-authenticate'), code === 'missing_token' ? 'Bearer realm="auth-chatkit"' : 'Bearer error="invalid_token"', label);
}

describe('the adapters in real servers', LIMIT, () => {
  let auth: TestServer;
  let user: Awaited<ReturnType<typeof userWithToken>>;
  let expired: string;
  let unreachableJwks: string;
  before(async () => {
    auth = await startTestServer();
    user = await userWithToken(auth, 'Grace');
    expired = await signWithServerKey(auth, { sub: user.userId, iat: now() - 120, exp: now() - 60 });
    unreachableJwks = `http://127.0.0.1:${await closedPort()}/jwks`;
  });
  after(() => auth.stop());

  for (const [label, serve] of adapters) {
    test(`${label}: the user on req.auth / identity; each refusal its status, code and challenge; the reason logged with the path`, async () => {
      const rejections: Rejection[] = [];
      const verifier = createVerifier({ authUrl: `${auth.url}/api/auth`, onRejected: rejection => void rejections.push(rejection) });
      const server = await listenOnLoopback(serve(verifier));
      try {
        for (let i = 0; i < 2; i++) {
          const response = await post(server.url, `Bearer ${user.token}`);
          assert.equal(response.status, 200, `request ${i + 1}`);
          const { who } = (await response.json()) as { who: Identity };
          assert.equal(who.sub, user.userId);
          assert.equal(who.name, 'Grace');
          assert.equal(who.claims.iss, auth.url);
        }
        assert.equal(verifier.stats.tokenCacheHits, 1, 'the second request was answered from the cache');

        await expectRefusal(await post(server.url), 401, 'missing_token', 'no header');
        await expectRefusal(await post(server.url, `Basic ${btoa('a:b')}`), 401, 'missing_token', 'another scheme');
        await expectRefusal(await post(server.url, 'Bearer not-a-jwt'), 401, 'invalid_token', 'garbage');
        await expectRefusal(await post(server.url, `Bearer ${expired}`), 401, 'token_expired', 'expired');
        assert.deepEqual(
          rejections.map(({ reason, request }) => [reason, request]),
          [
            ['missing_token', { method: 'POST', path: '/chat' }],
            ['missing_token', { method: 'POST', path: '/chat' }],
            ['malformed', { method: 'POST', path: '/chat' }],
            ['expired', { method: 'POST', path: '/chat' }],
          ],
        );
      } finally {
        await server.close();
      }
    });

    test(`${label}: a JWKS that cannot be fetched answers 503 jwks_unavailable`, async () => {
      const server = await listenOnLoopback(serve(createVerifier({ jwksUrl: unreachableJwks, issuer: auth.url, audience: auth.url })));
      try {
        await expectRefusal(await post(server.url, `Bearer ${user.token}`), 503, 'jwks_unavailable', 'JWKS down');
      } finally {
        await server.close();
      }
    });
  }
});
