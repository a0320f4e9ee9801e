import { expect } from '@open-wc/testing';
import { authorizedFetch } from '../../src/authorized-fetch.js';
import { AuthChatKitError } from '../../src/errors.js';

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
});
