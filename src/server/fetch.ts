// The Fetch-API adapter: a `Request` in, the caller's identity or a ready error `Response` out. For
// handlers written against the web platform's Request/Response: Next.js route handlers, Hono
// (`c.req.raw`), Bun, Deno, Cloudflare Workers.
import type { AuthFailure, AuthSuccess } from './result.js';
import { failureBody } from './result.js';
import type { Verifier } from './verify.js';

/** A refusal with its response: JSON `{ error, code }`, its status and headers. */
export interface RequestAuthFailure extends AuthFailure {
  response: Response;
}

export type RequestAuth = AuthSuccess | RequestAuthFailure;

/** The refusal as a response: `status`, `headers` (WWW-Authenticate or Retry-After), JSON `{ error, code }`. */
export function failureResponse(failure: AuthFailure): Response {
  return new Response(failureBody(failure), {
    status: failure.status,
    headers: { 'Content-Type': 'application/json', ...failure.headers },
  });
}

/**
 * Checks the request's `Authorization: Bearer <JWT>` header. Never rejects.
 *
 * ```ts
 * export async function POST(request: Request) {
 *   const auth = await authenticateRequest(verifier, request);
 *   if (!auth.ok) return auth.response;
 *   // auth.identity.sub is the user
 * }
 * ```
 */
export async function authenticateRequest(verifier: Verifier, request: Request): Promise<RequestAuth> {
  const result = await verifier.authenticate(request.headers.get('authorization'), { method: request.method, path: new URL(request.url).pathname });
  return result.ok ? result : { ...result, response: failureResponse(result) };
}
