// Bad request bodies on POST /chatkit (and the auth routes): each gets its 4xx JSON `{ error, code }`,
// bodies over 1 MB get 413 whether they declare a length or arrive chunked, nothing gets a 500.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { chatkit, LIMIT, readEvents, startTestServer, userInput, userWithToken } from './helpers.js';
import type { TestServer } from './helpers.js';

let server: TestServer;
let token: string;
before(async () => {
  server = await startTestServer();
  ({ token } = await userWithToken(server));
});
after(() => server.stop());

async function expectError(response: Response, status: number, code: string, what: string): Promise<void> {
  assert.equal(response.status, status, what);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/, what);
  const body = (await response.json()) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['code', 'error'], what);
  assert.equal(body.code, code, what);
}

/**
 * Sends `total` bytes with Transfer-Encoding: chunked (no Content-Length) in 64 KB chunks, stopping
 * as soon as the server answers; resolves with the answer's status and body.
 */
function sendChunked(path: string, total: number, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const url = new URL(path, server.url);
  return new Promise((resolve, reject) => {
    // a connection of its own: the server answers before the body ends, and closes it
    const request = httpRequest(url, { method: 'POST', agent: false, headers: { 'Content-Type': 'application/json', ...headers } });
    let answered = false;
    request.on('response', response => {
      answered = true;
      let body = '';
      response.setEncoding('utf8');
      response.on('data', chunk => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', error => {
      if (!answered) reject(error);
    });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    const pump = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!request.write(chunk)) return void request.once('drain', pump);
      }
      if (!answered) request.end();
    };
    request.write('{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"');
    pump();
  });
}

describe('malformed bodies: 4xx JSON', LIMIT, () => {
  // the codes are the package server's (its parse.ts); a 400 unless a status is given
  const cases: [string, string | Uint8Array<ArrayBuffer>, string, number?][] = [
    ['not JSON', '{oops', 'invalid_json'],
    ['empty body', '', 'invalid_json'],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 'invalid_json'],
    ['very deep nesting', '['.repeat(200_000), 'invalid_json'],
    ['an array', '[]', 'invalid_request'],
    ['a string', '"threads.list"', 'invalid_request'],
    ['null', 'null', 'invalid_request'],
    ['no type', '{"params":{}}', 'unknown_request_type'],
    ['a numeric type', '{"type":5,"params":{}}', 'unknown_request_type'],
    ['unknown type', '{"type":"threads.nope","params":{}}', 'unknown_request_type'],
    ['no params', '{"type":"threads.list"}', 'invalid_request'],
    ['params an array', '{"type":"threads.list","params":[]}', 'invalid_request'],
    ['create without input', '{"type":"threads.create","params":{}}', 'invalid_request'],
    ['content a string', '{"type":"threads.create","params":{"input":{"content":"hi"}}}', 'invalid_request'],
    ['content empty', '{"type":"threads.create","params":{"input":{"content":[]}}}', 'invalid_request'],
    ['content part of unknown type', '{"type":"threads.create","params":{"input":{"content":[{"type":"input_image","text":"x"}]}}}', 'invalid_request'],
    ['content part without text', '{"type":"threads.create","params":{"input":{"content":[{"type":"input_text"}]}}}', 'invalid_request'],
    ['bad inference options', '{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"x"}],"inference_options":{"model":7}}}}', 'invalid_request'],
    ['add_user_message without thread_id', JSON.stringify({ type: 'threads.add_user_message', params: { input: userInput('x') } }), 'invalid_request'],
    ['numeric thread_id', '{"type":"threads.get_by_id","params":{"thread_id":5}}', 'invalid_request'],
    ['retry without item_id', '{"type":"threads.retry_after_item","params":{"thread_id":"thr_1"}}', 'invalid_request'],
    ['negative limit', '{"type":"threads.list","params":{"limit":-1}}', 'invalid_request'],
    ['fractional limit', '{"type":"threads.list","params":{"limit":1.5}}', 'invalid_request'],
    ['bad order', '{"type":"threads.list","params":{"order":"sideways"}}', 'invalid_request'],
    ['update without title', '{"type":"threads.update","params":{"thread_id":"thr_1"}}', 'invalid_request'],
    ['feedback ids not a list', '{"type":"items.feedback","params":{"thread_id":"thr_1","item_ids":"x","kind":"positive"}}', 'invalid_request'],
    ['feedback of an unknown kind', '{"type":"items.feedback","params":{"thread_id":"thr_1","item_ids":[],"kind":"meh"}}', 'invalid_request'],
    // ids and cursors holding U+0000 name nothing (PostgreSQL text cannot store it), alike on both stores
    ['a thread id with U+0000', '{"type":"threads.get_by_id","params":{"thread_id":"thr_\\u0000"}}', 'not_found', 404],
    ['a cursor with U+0000', '{"type":"threads.list","params":{"after":"thr_\\u0000"}}', 'invalid_cursor'],
  ];
  for (const [label, body, code, status = 400] of cases) {
    test(label, async () => {
      const response = await fetch(`${server.url}/chatkit`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body,
      });
      await expectError(response, status, code, label);
    });
  }

  test('a __proto__ key changes nothing', async () => {
    const response = await chatkit(server, token, '{"type":"threads.list","params":{"__proto__":{"limit":-1},"limit":2}}');
    assert.equal(response.status, 200);
    assert.equal(({} as Record<string, unknown>).limit, undefined);
  });
});

describe('size limits: 413 above 1 MB', LIMIT, () => {
  test('a 2 MB body with a Content-Length', async () => {
    const text = 'a'.repeat(2 * 1024 * 1024);
    await expectError(await chatkit(server, token, { type: 'threads.create', params: { input: userInput(text) } }), 413, 'body_too_large', '2 MB');
  });

  test('a declared Content-Length over the limit is refused before any body is read', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(new URL('/chatkit', server.url), {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Content-Length': String(2 * 1024 * 1024) },
      });
      request.on('response', response => {
        response.resume();
        resolve(response.statusCode ?? 0);
        request.destroy();
      });
      request.on('error', error => reject(error));
      request.write('{"type":'); // and nothing more: only the header can say it is too large
    });
    assert.equal(status, 413);
  });

  test('a 2 MB chunked body without a length is cut off while reading', async () => {
    const { status, body } = await sendChunked('/chatkit', 2 * 1024 * 1024, { Authorization: `Bearer ${token}` });
    assert.equal(status, 413);
    assert.equal((JSON.parse(body) as { code: string }).code, 'body_too_large');
  });

  test('the auth routes have the same limit', async () => {
    const { status } = await sendChunked('/api/auth/sign-up/email', 2 * 1024 * 1024, { Origin: server.url });
    assert.equal(status, 413);
    const declared = await fetch(`${server.url}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: server.url },
      body: JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(2 * 1024 * 1024) }),
    });
    await expectError(declared, 413, 'payload_too_large', 'sign-in with a 2 MB password');
  });

  test('a body just under the limit is fine', async () => {
    const text = 'word '.repeat(190_000); // ~950 KB
    const events = await readEvents(await chatkit(server, token, { type: 'threads.create', params: { input: userInput(text) } }));
    assert.equal(events.at(-1)?.type, 'thread.updated');
  });
});

describe('methods and routes', LIMIT, () => {
  test('GET /chatkit: 405 JSON; unknown paths: 404 JSON', async () => {
    const get = await fetch(`${server.url}/chatkit`);
    await expectError(get, 405, 'method_not_allowed', 'GET /chatkit');
    assert.equal(get.headers.get('allow'), 'POST, OPTIONS');
    await expectError(await fetch(`${server.url}/api/auth/token`, { method: 'PUT' }), 405, 'method_not_allowed', 'PUT /api/auth/token');
    await expectError(await fetch(`${server.url}/api/auth/no-such-endpoint`), 404, 'not_found', 'unknown auth endpoint');
    await expectError(await fetch(`${server.url}/nothing-here.js`), 404, 'not_found', 'missing file');
  });

  test('nothing above answered 500', () => {
    assert.deepEqual(
      Object.keys(server.stats.chatResponsesByStatus).filter(status => Number(status) >= 500),
      [],
    );
  });
});
