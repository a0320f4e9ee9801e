// The errors a hook or a store may throw to choose what the client sees. Anything else thrown while
// streaming becomes `{"type":"error","code":"stream.error","allow_retry":true}` and is logged; anything
// else thrown outside a stream becomes a 500 JSON with no detail (and is logged).

/** A failure while streaming, sent in-band as `{"type":"error","code":"stream.error","allow_retry":...}` (no message). */
export class StreamError extends Error {
  override name = 'StreamError';
  readonly code = 'stream.error' as const;
  readonly allowRetry: boolean;
  constructor(options: { allowRetry?: boolean } = {}) {
    super('stream.error');
    this.allowRetry = options.allowRetry ?? true;
  }
}

/** A failure with a message for the user, sent in-band as `{"type":"error","code":"custom","message":...,"allow_retry":...}`. */
export class CustomStreamError extends Error {
  override name = 'CustomStreamError';
  readonly code = 'custom' as const;
  readonly allowRetry: boolean;
  constructor(message: string, options: { allowRetry?: boolean } = {}) {
    super(message);
    this.allowRetry = options.allowRetry ?? false;
  }
}

/** A refusal answered as JSON `{ error: message, code }` with this status (4xx), outside a stream. */
export class ChatKitHttpError extends Error {
  override name = 'ChatKitHttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
