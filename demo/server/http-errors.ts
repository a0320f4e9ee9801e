// Every error this server answers itself is JSON `{ error, code }`: a sentence for people and a
// stable code for programs. Never a stack trace.

export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function errorResponse(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return Response.json({ error: message, code }, { status, headers });
}

export function httpErrorResponse(error: HttpError): Response {
  return errorResponse(error.status, error.code, error.message, error.headers);
}

/** An error as one short log line: name and message, never a stack. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return (text.split('\n')[0] ?? '').slice(0, 300);
}

/**
 * A log line with every URL's query string and fragment cut off, whatever quoted it (a Referer in
 * Better Auth's "Invalid origin", an error message): they may hold a reset token or a code.
 */
export function withoutQueries(line: string): string {
  return line.replace(/((?:[a-z][a-z\d+.-]*:\/\/|(?<![\w/])\/)[^\s?#"'<>]*)[?#][^\s"'<>]*/gi, '$1');
}
