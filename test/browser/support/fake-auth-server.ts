import { fakeJwt } from './jwt.js';

type Reply = 'token' | number | 'network-error' | 'hang' | ((request: Request) => Response | Promise<Response>);

/**
 * A stand-in for Better Auth's `GET /token`, plugged in through the fetch seam. It keeps TRUE time:
 * `deviceSkewMs` says how far the device clock (Date.now, faked by sinon) is off from it.
 */
export class FakeAuthServer {
  requests: Request[] = [];
  /** Date.now() (the device clock) at each request. */
  times: number[] = [];
  lifetimeSeconds = 900;
  deviceSkewMs = 0;
  issued = 0;
  #replies: Reply[] = [];
  #fallback: Reply = 'token';

  /** Replies for the next requests, in order; after them, `always`. */
  reply(...replies: Reply[]): this {
    this.#replies.push(...replies);
    return this;
  }

  always(reply: Reply): this {
    this.#replies = [];
    this.#fallback = reply;
    return this;
  }

  get serverNowSeconds(): number {
    return Math.floor((Date.now() - this.deviceSkewMs) / 1000);
  }

  token(claims: Record<string, unknown> = {}): string {
    const iat = this.serverNowSeconds;
    this.issued++;
    return fakeJwt({ sub: 'user-1', iat, exp: iat + this.lifetimeSeconds, n: this.issued, ...claims });
  }

  fetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    this.requests.push(request);
    this.times.push(Date.now());
    const reply = this.#replies.shift() ?? this.#fallback;
    if (reply === 'network-error') throw new TypeError('Failed to fetch');
    if (reply === 'hang') {
      return new Promise((_, reject) => request.signal.addEventListener('abort', () => reject(request.signal.reason)));
    }
    if (typeof reply === 'function') return reply(request);
    if (reply === 'token') return Response.json({ token: this.token() });
    return Response.json({ message: 'failed', code: String(reply) }, { status: reply });
  };
}
