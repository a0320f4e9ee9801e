import sinon from 'sinon';
import { captureFetch } from '../../../src/native-fetch.js';
import { FakeAuthServer } from './fake-auth-server.js';

let servers = 0;

/**
 * Routes the page's fetch: the auth URL to a FakeAuthServer, the chat backend to a recorder.
 * Each instance gets its own auth URL, so the page-wide TokenSource registry starts fresh.
 */
export class FakeNetwork {
  readonly auth = new FakeAuthServer();
  readonly authUrl = `https://auth-${++servers}.example.test/api/auth`;
  readonly apiUrl = 'https://chat.example.test/chatkit';
  readonly chatRequests: Request[] = [];
  readonly otherRequests: Request[] = [];
  chatReply: (request: Request) => Response | Promise<Response> = () => Response.json({ data: [], has_more: false });
  #stub: sinon.SinonStub | undefined;

  install(): this {
    const realFetch = window.fetch.bind(window);
    this.#stub = sinon.stub(window, 'fetch').callsFake(async (input, init) => {
      const request = new Request(input, init);
      if (request.url.startsWith(this.authUrl)) return this.auth.fetch(input, init);
      if (request.url.startsWith(this.apiUrl)) {
        this.chatRequests.push(request.clone());
        return this.chatReply(request);
      }
      if (new URL(request.url).origin === location.origin) return realFetch(input, init);
      this.otherRequests.push(request);
      return new Response('elsewhere');
    });
    captureFetch(); // the any-site sign-in's requests use the fetch captured at load: this one, here
    return this;
  }

  restore(): void {
    this.#stub?.restore();
    captureFetch();
  }

  /** The bearer token of each chat request, in order. */
  get bearers(): (string | null)[] {
    return this.chatRequests.map(request => request.headers.get('Authorization'));
  }
}
