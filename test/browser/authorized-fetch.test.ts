import { expect } from '@open-wc/testing';
import { authorizedFetch } from '../../src/authorized-fetch.js';
import { AuthChatKitError } from '../../src/errors.js';
import { captureFetch } from '../../src/native-fetch.js';

const apiUrl = 'https://chat.example.test/chatkit';

/** A token source handing out t1, t2, ... and recording what it was asked. */
function tokens() {
  let issued = 0;
  const calls: (string | undefined)[] = [];
  return {
    calls,
    signedOut: false,
    async getToken({ rejected }: { rejected?: string } = {}) {
      calls.push(rejected);
      if (this.signedOut) throw new AuthChatKitError('unauthorized', 'Not signed in.');
      if (rejected || issued === 0) issued++;
      return `t${issued}`;
    },
  };
}

function backend(statuses: number[] = []) {
  const seen: Request[] = [];
  const send: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    seen.push(request);
    return new Response(JSON.stringify({ n: seen.length }), { status: statuses.shift() ?? 200 });
  };
  return { seen, send };
}

describe('authorizedFetch', () => {
  it("sends with the fetch captured at load: a script that wraps window.fetch later never sees the token", async () => {
    const { seen, send } = backend();
    const page = window.fetch;
    window.fetch = send;
    captureFetch(); // the page's fetch when the element's script loaded: here, the backend
    const wrapperSaw: string[] = [];
    window.fetch = async (input, init) => (wrapperSaw.push(new Headers(init?.headers).get('Authorization') ?? ''), send(input, init));
    try {
      await authorizedFetch({ source: tokens(), apiUrl })(apiUrl, { method: 'POST', body: '{}' });
      expect(seen[0]?.headers.get('Authorization')).to.equal('Bearer t1');
      expect(wrapperSaw).to.deep.equal([]);
    } finally {
      window.fetch = page;
      captureFetch();
    }
  });

  const inits: [string, HeadersInit][] = [
    ['a Headers object', new Headers({ 'Content-Type': 'application/json', 'chatkit-frame-instance-id': 'f1' })],
    ['an array of pairs', [['Content-Type', 'application/json'], ['chatkit-frame-instance-id', 'f1']]],
    ['a plain object', { 'Content-Type': 'application/json', 'chatkit-frame-instance-id': 'f1' }],
  ];
  for (const [what, headers] of inits) {
    it(`keeps ChatKit's headers given as ${what} and adds the bearer token`, async () => {
      const { seen, send } = backend();
      const fetch = authorizedFetch({ source: tokens(), apiUrl, fetch: send });
      await fetch(apiUrl, { method: 'POST', headers, body: '{"type":"threads.list","params":{}}' });
      const [request] = seen;
      expect(request?.headers.get('Authorization')).to.equal('Bearer t1');
      expect(request?.headers.get('Content-Type')).to.equal('application/json');
      expect(request?.headers.get('chatkit-frame-instance-id')).to.equal('f1');
      expect(await request?.text()).to.equal('{"type":"threads.list","params":{}}');
    });
  }

  it('replaces an Authorization header ChatKit may have set', async () => {
    const { seen, send } = backend();
    await authorizedFetch({ source: tokens(), apiUrl, fetch: send })(apiUrl, { headers: { Authorization: 'Bearer stale' } });
    expect(seen[0]?.headers.get('Authorization')).to.equal('Bearer t1');
  });

  it('takes a Request as input, with its body', async () => {
    const { seen, send } = backend();
    const fetch = authorizedFetch({ source: tokens(), apiUrl, fetch: send });
    await fetch(new Request(apiUrl, { method: 'POST', body: 'hello', headers: { 'X-A': '1' } }));
    expect(seen[0]?.headers.get('X-A')).to.equal('1');
    expect(await seen[0]?.text()).to.equal('hello');
  });

  it('on a 401: refreshes once (rejecting the refused token) and retries once with the same body', async () => {
    const source = tokens();
    const { seen, send } = backend([401]);
    const response = await authorizedFetch({ source, apiUrl, fetch: send })(apiUrl, { method: 'POST', body: 'payload' });
    expect(response.status).to.equal(200);
    expect(source.calls).to.deep.equal([undefined, 't1']);
    expect(seen.map(request => request.headers.get('Authorization'))).to.deep.equal(['Bearer t1', 'Bearer t2']);
    expect(await seen[1]?.text()).to.equal('payload');
  });

  it('a second 401 is handed back and reported; no third try', async () => {
    const rejected: Response[] = [];
    const { seen, send } = backend([401, 401, 200]);
    const fetch = authorizedFetch({ source: tokens(), apiUrl, fetch: send, onRejected: response => rejected.push(response) });
    const response = await fetch(apiUrl, { method: 'POST', body: 'x' });
    expect(response.status).to.equal(401);
    expect(seen).to.have.length(2);
    expect(rejected).to.have.length(1);
  });

  it('hands back the 401 when the refresh finds the user signed out', async () => {
    const source = tokens();
    const { seen, send } = backend([401]);
    const fetch = authorizedFetch({ source, apiUrl, fetch: send });
    const first = fetch(apiUrl);
    source.signedOut = true;
    expect((await first).status).to.equal(401);
    expect(seen).to.have.length(1);
  });

  it('rejects, sending nothing, when no token can be had', async () => {
    const source = tokens();
    source.signedOut = true;
    const { seen, send } = backend();
    const error = await authorizedFetch({ source, apiUrl, fetch: send })(apiUrl).catch((e: unknown) => e);
    expect((error as AuthChatKitError).code).to.equal('unauthorized');
    expect(seen).to.have.length(0);
  });

  for (const elsewhere of ['https://chat.example.test.evil.example/chatkit', 'http://chat.example.test/chatkit', 'https://cdn.example.org/x.png']) {
    it(`sends no token to another origin: ${elsewhere}`, async () => {
      const source = tokens();
      const { seen, send } = backend();
      await authorizedFetch({ source, apiUrl, fetch: send })(elsewhere, { headers: { 'X-B': '2' } });
      expect(seen[0]?.headers.get('Authorization')).to.equal(null);
      expect(seen[0]?.headers.get('X-B')).to.equal('2');
      expect(source.calls).to.have.length(0);
    });
  }

  describe('uploads', () => {
    const uploadUrl = 'https://chat.example.test/chatkit/attachments/atc_1/upload?token=t';
    const storageUrl = 'https://bucket.storage.example.net/atc_1?X-Amz-Signature=abc';
    const bytes = () => Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256);
    const digest = async (data: ArrayBuffer) => Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', data)), b => b.toString(16).padStart(2, '0')).join('');

    /** The chat backend on one origin, and a storage host that refuses any Authorization, as S3 does. */
    function hosts(statuses: number[]) {
      const seen: Request[] = [];
      const send: typeof fetch = async (input, init) => {
        const request = new Request(input, init);
        seen.push(request.clone());
        if (new URL(request.url).host === 'bucket.storage.example.net' && request.headers.has('Authorization')) {
          return new Response('<Error><Code>InvalidArgument</Code></Error>', { status: 400 });
        }
        await request.arrayBuffer();
        return new Response('{}', { status: statuses.shift() ?? 200 });
      };
      return { seen, send };
    }

    const bodies: [string, () => { body: BodyInit; init?: RequestInit }][] = [
      ['FormData with a File', () => {
        const form = new FormData();
        form.append('file', new File([bytes()], 'scan.png', { type: 'image/png' }));
        return { body: form };
      }],
      ['a Blob', () => ({ body: new Blob([bytes()], { type: 'image/png' }) })],
      ['an ArrayBuffer', () => ({ body: bytes().buffer })],
      ['a Uint8Array', () => ({ body: bytes() })],
      ['a ReadableStream', () => {
        const data = bytes();
        const stream = new ReadableStream<Uint8Array>({
          start(controller) {
            for (let at = 0; at < data.length; at += 16_384) controller.enqueue(data.slice(at, at + 16_384));
            controller.close();
          },
        });
        return { body: stream, init: { duplex: 'half' } as RequestInit };
      }],
    ];
    for (const [what, make] of bodies) {
      it(`a 401 on an upload of ${what} refreshes once and sends the same bytes again`, async () => {
        const { body, init } = make();
        const { seen, send } = hosts([401]);
        const response = await authorizedFetch({ source: tokens(), apiUrl, fetch: send })(uploadUrl, { method: 'PUT', body, ...init });
        expect(response.status).to.equal(200);
        expect(seen.map(request => request.headers.get('Authorization'))).to.deep.equal(['Bearer t1', 'Bearer t2']);
        // Multipart is encoded again with a new boundary: compare the file it carries.
        const sent = (request: Request) => (what.startsWith('FormData') ? request.formData().then(form => (form.get('file') as File).arrayBuffer()) : request.arrayBuffer());
        const [first, second] = await Promise.all(seen.map(sent));
        expect(second!.byteLength).to.equal(70_000);
        expect(await digest(second!)).to.equal(await digest(first!));
        if (what === 'a Blob') expect(seen[1]!.headers.get('Content-Type')).to.equal('image/png');
      });
    }

    it('a Request with a body, refused once, is sent again whole', async () => {
      const { seen, send } = hosts([401]);
      const upload = new Request(uploadUrl, { method: 'POST', body: new Blob([bytes()]), headers: { 'X-Upload': '1' } });
      await authorizedFetch({ source: tokens(), apiUrl, fetch: send })(upload);
      expect(seen).to.have.length(2);
      expect(seen[1]?.headers.get('X-Upload')).to.equal('1');
      expect((await seen[1]!.arrayBuffer()).byteLength).to.equal(70_000);
    });

    it('sends a presigned storage upload untouched, and the storage host takes it', async () => {
      const source = tokens();
      const { seen, send } = hosts([]);
      const file = new Blob([bytes()], { type: 'application/pdf' });
      const response = await authorizedFetch({ source, apiUrl, fetch: send })(storageUrl, {
        method: 'PUT', body: file, headers: { 'Content-Type': 'application/pdf', 'x-amz-meta-owner': 'u1' },
      });
      expect(response.status).to.equal(200);
      expect(seen[0]?.headers.get('Authorization')).to.equal(null);
      expect(seen[0]?.headers.get('x-amz-meta-owner')).to.equal('u1');
      expect(source.calls).to.have.length(0);
    });

    it('a real storage host on another origin that refuses Authorization (as S3 does) takes the upload through it', async () => {
      // the test page's own origin is another origin than the chat backend's: a storage host to it
      const presigned = `${location.origin}/storage-stand-in/atc_1?X-Amz-Signature=abc`;
      const source = tokens();
      const data = bytes();
      const response = await authorizedFetch({ source, apiUrl })(presigned, { method: 'PUT', body: new Blob([data]), headers: { 'Content-Type': 'image/png' } });
      expect(response.status).to.equal(200);
      expect(await response.json()).to.deep.equal({ method: 'PUT', size: data.byteLength, sha256: await digest(data.buffer) });
      expect(source.calls).to.have.length(0);
      const withBearer = await fetch(presigned, { method: 'PUT', body: 'x', headers: { Authorization: 'Bearer t1' } });
      expect(withBearer.status, 'the host refuses a bearer: the check above can fail').to.equal(400);
    });

    it('the stand-in storage host does refuse a bearer (the check above can fail)', async () => {
      const { send } = hosts([]);
      const response = await send(storageUrl, { method: 'PUT', body: 'x', headers: { Authorization: 'Bearer t1' } });
      expect(response.status).to.equal(400);
    });
  });
});
