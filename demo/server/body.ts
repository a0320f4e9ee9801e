// Reading a request body with a hard size limit: the declared Content-Length is checked first, and
// the bytes are counted while reading, so a chunked body without a length is cut off as well.
import { HttpError } from './http-errors.js';

export async function readBodyLimited(request: Request, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  // The rest of the body is not read: close the connection after answering, so that the client
  // does not send its next request down a socket still full of this one.
  const tooLarge = () =>
    new HttpError(413, 'payload_too_large', `The request body is larger than ${limit} bytes.`, { Connection: 'close' });
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit) throw tooLarge();
  if (!request.body) return new Uint8Array(0);

  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      // Stop reading, but do not cancel: cancelling destroys the socket before the 413 can be sent.
      // The HTTP server drains and discards the rest once the answer has gone out.
      if (size > limit) throw tooLarge();
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new HttpError(400, 'body_unreadable', 'The request body could not be read.');
  } finally {
    reader.releaseLock();
  }
  return Buffer.concat(chunks, size);
}
