// What every hook and every store call receives: who is calling (from the verified token, never from
// the body), the request, and a signal that aborts when the client goes away.
import type { Identity } from '../result.js';

/** The verified token's identity (`sub`, `name`, every claim). */
export type ChatKitUser = Identity;

export interface ChatKitContext {
  /** From the verified token, never from the body. Stores scope every read and write to `user.sub`. */
  user: ChatKitUser;
  /** The incoming request (headers, URL); its body has been read. */
  request: Request;
  /** Aborts when the client closes the stream (the protocol's only way to stop a reply) or the server closes. */
  signal: AbortSignal;
}
