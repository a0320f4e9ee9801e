import { base64url } from 'jose';

/** What a signed attachment URL lets its holder do: send the bytes once, or read them. */
export type Capability = 'upload' | 'preview';

/** The signed claim a capability URL carries (in its `token` query parameter). */
export interface Grant {
  capability: Capability;
  attachmentId: string;
  /** The owner's `sub`: the URL opens this user's attachment only. */
  owner: string;
  /** Expiry, seconds since the epoch. */
  expiresAt: number;
}

/** Shortest secret accepted: 32 characters, as Better Auth asks of BETTER_AUTH_SECRET. */
export const minSecretLength = 32;

/**
 * Signs and checks capability URLs with HMAC-SHA-256 (Web Crypto) under a server secret. A token is
 * `base64url(JSON grant) "." base64url(MAC)`; altering any byte, or using it past `expiresAt`, for
 * another capability or another attachment, fails the check.
 */
export class UrlSigner {
  readonly #key: ReturnType<typeof crypto.subtle.importKey>;
  readonly #now: () => number;

  /**
   * @param secret at least 32 characters, kept on the server (e.g. derived from BETTER_AUTH_SECRET).
   * @param now clock in ms (tests pass a fake one).
   * @throws TypeError for a missing or short secret.
   */
  constructor(secret: string, now: () => number = Date.now) {
    if (typeof secret !== 'string' || secret.length < minSecretLength) {
      throw new TypeError(`attachments.secret must be a string of at least ${minSecretLength} characters.`);
    }
    // A key of its own: the same secret may sign other things elsewhere (Better Auth's cookies).
    this.#key = crypto.subtle.importKey('raw', new TextEncoder().encode(`auth-chatkit attachments\0${secret}`), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    this.#now = now;
  }

  /** A token granting `capability` on the attachment to its owner for `seconds`. */
  async sign(capability: Capability, attachmentId: string, owner: string, seconds: number): Promise<string> {
    const grant: Grant = { capability, attachmentId, owner, expiresAt: Math.floor(this.#now() / 1000) + seconds };
    const payload = base64url.encode(JSON.stringify(grant));
    const mac = await crypto.subtle.sign('HMAC', await this.#key, new TextEncoder().encode(payload));
    return `${payload}.${base64url.encode(new Uint8Array(mac))}`;
  }

  /** The grant a token carries, if its MAC is right, it is unexpired and it is for this capability and attachment. */
  async verify(token: string | null, capability: Capability, attachmentId: string): Promise<Grant | undefined> {
    const [payload, mac, extra] = (token ?? '').split('.');
    if (!payload || !mac || extra !== undefined) return undefined;
    let grant: Grant;
    try {
      const valid = await crypto.subtle.verify('HMAC', await this.#key, new Uint8Array(base64url.decode(mac)), new TextEncoder().encode(payload));
      if (!valid) return undefined;
      grant = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as Grant;
    } catch {
      return undefined; // not base64url, or not JSON: never signed by us
    }
    const fresh = grant.expiresAt * 1000 > this.#now();
    return fresh && grant.capability === capability && grant.attachmentId === attachmentId ? grant : undefined;
  }
}
