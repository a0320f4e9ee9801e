// The Node adapter: a Connect/Express-style middleware over node:http's request and response. Typed
// by the few members it uses, so Express, Connect, Polka or a bare `http.createServer` handler all
// fit, and the package depends on none of them.
import type { Identity } from './result.js';
import { failureBody } from './result.js';
import type { AuthResult } from './result.js';
import type { Verifier } from './verify.js';

/** What the middleware reads from the request (node:http's IncomingMessage, Express's Request). */
export interface AuthRequest {
  headers: { authorization?: string | undefined };
  method?: string | undefined;
  url?: string | undefined;
  /** Express: the URL before mounting (`app.use('/chat', ...)`) stripped a prefix from `url`. */
  originalUrl?: string | undefined;
  /** Set by the middleware to the verified token's identity. */
  auth?: Identity;
}

/** What the middleware writes on a refusal (node:http's ServerResponse, Express's Response). */
export interface AuthResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body: string): unknown;
}

export type AuthMiddleware = (request: AuthRequest, response: AuthResponse, next: (error?: unknown) => void) => void | Promise<void>;

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * Lets a request through with `req.auth` set to its token's identity, or answers it: 401 JSON
 * `{ error, code }` with `WWW-Authenticate: Bearer ...` (RFC 6750 section 3), or 503 when the JWKS is
 * unavailable. Synchronous for a token already verified; otherwise it returns a promise (Express 5
 * passes a rejection, which only your `next` could cause, to its error handler).
 *
 * ```ts
 * app.post('/chatkit', authMiddleware(verifier), (req, res) => { ... req.auth.sub ... });
 * ```
 */
export function authMiddleware(verifier: Verifier): AuthMiddleware {
  return (request, response, next) => {
    const settle = (result: AuthResult): void => {
      if (result.ok) {
        request.auth = result.identity;
        next();
        return;
      }
      response.statusCode = result.status;
      response.setHeader('Content-Type', 'application/json');
      for (const [name, value] of Object.entries(result.headers)) response.setHeader(name, value);
      response.end(failureBody(result));
    };
    const label = { method: request.method ?? 'GET', path: pathOf(request.originalUrl ?? request.url ?? '/') };
    const result = verifier.authenticate(request.headers.authorization, label);
    if (result instanceof Promise) return result.then(settle);
    settle(result);
  };
}
