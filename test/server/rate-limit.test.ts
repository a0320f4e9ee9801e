// Rate limits per client in the demo backend: the client's address is the connection's peer, never a
// header the client sent; X-Forwarded-For counts only from TRUSTED_PROXIES. Clients are real loopback
// addresses (127.0.0.2 and up: Linux routes all of 127/8 to lo), so each has a socket of its own;
// each test uses addresses of its own (Better Auth's in-memory counts are shared by the process).
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import { address, LIMIT, startTestServer, type TestServer } from './helpers.js';

/** A bad password for `email`, sent from the local address `from`, with `headers`: the status. */
function badSignIn(server: TestServer, from: string, email: string, headers: Record<string, string> = {}): Promise<number> {
  const body = JSON.stringify({ email, password: 'not the password at all' });
  const url = new URL(`${address(server)}/api/auth/sign-in/email`);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      { method: 'POST', localAddress: from, agent: false, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Origin: server.url, ...headers } },
      response => {
        response.resume();
        response.on('end', () => resolve(response.statusCode!));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

const statuses = async (count: number, next: (index: number) => Promise<number>) => {
  const seen: number[] = [];
  for (let index = 0; index < count; index++) seen.push(await next(index));
  return seen;
};

describe('rate limits count per client', LIMIT, () => {
  test('a new X-Forwarded-For on each request buys no guesses; another client is not locked out', async () => {
    const server = await startTestServer({ env: { RATE_LIMIT: 'on' } });
    try {
      const attacker = await statuses(5, index => badSignIn(server, '127.0.0.2', 'victim@example.com', { 'X-Forwarded-For': `203.0.113.${index + 1}` }));
      assert.deepEqual(attacker, [401, 401, 401, 429, 429], 'three guesses, whatever the header says');
      const spoofed = await badSignIn(server, '127.0.0.2', 'victim@example.com', { 'X-Auth-Chatkit-Client-Address': '198.51.100.7' });
      assert.equal(spoofed, 429, 'nor does the header the server sets itself, sent by the client');
      assert.equal(await badSignIn(server, '127.0.0.3', 'victim@example.com'), 401, 'the real user, from elsewhere, still gets to try');
    } finally {
      await server.stop();
    }
  });

  test('behind TRUSTED_PROXIES: each forwarded client has its own count, and a forged leftmost entry changes nothing', async () => {
    const server = await startTestServer({ env: { RATE_LIMIT: 'on', TRUSTED_PROXIES: '127.0.0.4/32' } });
    try {
      // the proxy (127.0.0.4) appends the address it saw; the client may have sent anything before it
      const one = await statuses(4, index => badSignIn(server, '127.0.0.4', 'a@example.com', { 'X-Forwarded-For': `10.9.9.${index}, 198.51.100.1` }));
      assert.deepEqual(one, [401, 401, 401, 429]);
      assert.equal(await badSignIn(server, '127.0.0.4', 'a@example.com', { 'X-Forwarded-For': '198.51.100.2' }), 401, 'another client behind the proxy');
      // not from the proxy: the header is not read, the peer counts
      const direct = await statuses(4, index => badSignIn(server, '127.0.0.5', 'a@example.com', { 'X-Forwarded-For': `198.51.100.${index + 10}` }));
      assert.deepEqual(direct, [401, 401, 401, 429]);
    } finally {
      await server.stop();
    }
  });
});
