import type { ChatConfig } from './config.js';
import { bearerCredential, signInAcrossSites, signOutOf, type BearerCredential } from './embed-session.js';
import type { AuthChatKitError } from './errors.js';
import type { TokenSource } from './token-source.js';

/** The element as the any-site sign-in needs it. */
interface Host {
  refresh(): Promise<void>;
  requestUpdate(): void;
}

/**
 * The element's side of the any-site sign-in: the popup opened in the Sign in button's click, why
 * the last attempt failed (shown in the signed-out panel), the bearer credential where the browser
 * needs one, and sign-out.
 */
export class AnySiteSignIn {
  /** Why the last sign-in failed (a blocked popup, a refused code), or undefined. */
  error: string | undefined;

  constructor(
    private readonly host: Host,
    private readonly report: (error: AuthChatKitError) => void,
  ) {}

  /** The page's bearer credential for the config's auth server (used only where partitioned cookies are refused). */
  credential({ authUrl, credentialStorage }: ChatConfig): BearerCredential {
    return bearerCredential(authUrl!, credentialStorage);
  }

  /** Opens the popup now, in the click; signed in, the element refreshes. A closed popup is no error. */
  start(config: ChatConfig): void {
    this.error = undefined;
    this.host.requestUpdate();
    signInAcrossSites(config.authUrl!, this.credential(config)).then(
      () => this.host.refresh(),
      (error: AuthChatKitError) => {
        if (error.code === 'popup-closed') return;
        this.error = error.message;
        this.report(error);
        this.host.requestUpdate();
      },
    );
  }

  /** `signIn()`: the popup where the any-site sign-in applies, else a navigation to `login-url`. */
  signIn(config: ChatConfig): void {
    if (config.popup) this.start(config);
    else if (config.loginUrl) location.assign(config.loginUrl);
  }

  /** Ends the session (the embedded one, or Better Auth's), then signs `source` out here and in other tabs. */
  async signOut(config: ChatConfig | undefined, source: TokenSource | undefined): Promise<void> {
    try {
      if (config?.authUrl) await signOutOf(config.authUrl, config.popup, this.credential(config));
    } finally {
      source?.signOut();
    }
  }
}
