// CORS for the auth and chat routes: an allow-list of origins, never `*`. A request from any other
// origin gets no CORS headers at all (the browser then keeps the answer from the page).
import { errorResponse } from './http-errors.js';

export type CorsRoute = 'auth' | 'chat' | 'upload' | 'static';

const ALLOWED_HEADERS = 'Authorization, Content-Type, Accept-Language, chatkit-frame-instance-id';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

const ROUTES: Record<CorsRoute, { methods: string; credentials: boolean; expose: string }> = {
  // Better Auth's session cookie travels with these; get-session also returns a set-auth-jwt header
  auth: { methods: 'GET, POST', credentials: true, expose: 'set-auth-jwt' },
  // bearer tokens only, no cookies; let the page read why a request was refused
  chat: { methods: 'POST', credentials: false, expose: 'WWW-Authenticate, Retry-After' },
  // an attachment's bytes to its signed upload URL: PUT raw (ChatKit's descriptor) or POST multipart
  upload: { methods: 'PUT, POST', credentials: false, expose: 'WWW-Authenticate, Retry-After' },
  // the element's script and the stand-in, loaded as module scripts by pages on other sites (a CDN's job)
  static: { methods: 'GET', credentials: false, expose: '' },
};

export function createCors(allowedOrigins: Iterable<string>) {
  const allowed = new Set(allowedOrigins);

  const isAllowed = (origin: string | null): origin is string => origin !== null && allowed.has(origin);

  return {
    allowedOrigins: [...allowed],

    /** The answer to an OPTIONS request on a CORS route. */
    preflight(request: Request, route: CorsRoute): Response {
      const origin = request.headers.get('Origin');
      const { methods, credentials } = ROUTES[route];
      if (isAllowed(origin)) {
        return new Response(null, {
          status: 204,
          headers: {
            'Access-Control-Allow-Origin': origin,
            ...(credentials && { 'Access-Control-Allow-Credentials': 'true' }),
            'Access-Control-Allow-Methods': methods,
            'Access-Control-Allow-Headers': ALLOWED_HEADERS,
            'Access-Control-Max-Age': PREFLIGHT_MAX_AGE_SECONDS,
            Vary: 'Origin',
          },
        });
      }
      if (origin !== null) return errorResponse(403, 'origin_not_allowed', 'This origin is not allowed to call this server.', { Vary: 'Origin' });
      return new Response(null, { status: 204, headers: { Allow: `${methods}, OPTIONS` } });
    },

    /** `response` with the CORS headers the request's origin is entitled to (none for strangers). */
    decorate(request: Request, response: Response, route: CorsRoute): Response {
      const origin = request.headers.get('Origin');
      const { credentials, expose } = ROUTES[route];
      const headers: Record<string, string> = {};
      if (isAllowed(origin)) {
        headers['Access-Control-Allow-Origin'] = origin;
        if (credentials) headers['Access-Control-Allow-Credentials'] = 'true';
        // added to what the handler exposes itself (Better Auth's plugins may expose their headers)
        const exposed = [response.headers.get('Access-Control-Expose-Headers'), expose].filter(Boolean).join(', ');
        if (exposed) headers['Access-Control-Expose-Headers'] = exposed;
      }
      return withHeaders(response, headers, { Vary: 'Origin' });
    },
  };
}

export type Cors = ReturnType<typeof createCors>;

function withHeaders(response: Response, set: Record<string, string>, append: Record<string, string>): Response {
  const apply = (headers: Headers) => {
    for (const [name, value] of Object.entries(set)) headers.set(name, value);
    for (const [name, value] of Object.entries(append)) headers.append(name, value);
  };
  try {
    apply(response.headers);
    return response;
  } catch {
    // immutable headers (a response from fetch): copy
    const copy = new Response(response.body, response);
    apply(copy.headers);
    return copy;
  }
}
