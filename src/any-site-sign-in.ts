import type { ChatConfig } from './config.js';
import { bearerCredential, resumeSignIn, signInAcrossSites, signOutOf, type BearerCredential } from './embed-session.js';
import { AuthChatKitError } from './errors.js';
import type { TokenSource } from './token-source.js';

/** The element as the any-site sign-in needs it. */
interface Host {
  refresh(): Promise<void>;
  requestUpdate(): void;
}

/** Auth servers whose pending sign-in this page already took up after a reload (once per page). */
const resumed = new Set<string>();

/**
 * The element's side of the any-site sign-in: the popup opened in the Sign in button's click, a
 * sign-in a reload interrupted taken up again, why the last attempt failed (shown in the signed-out
 * panel), the credential holder, and sign-out.
 */
export class AnySiteSignIn {
  /** Why the last sign-in failed (a blocked popup, a refused attempt), or what it waits for; else undefined. */
  error: string | undefined;

  constructor(
    private readonly host: Host,
    private readonly report: (error: AuthChatKitError) => void,
  ) {}

  /** The page's credential holder for the config's auth server, in the any-site mode only. */
  credential({ authUrl, credentialStorage, popup }: ChatConfig): BearerCredential | undefined {
    return popup ? bearerCredential(authUrl!, credentialStorage) : undefined;
  }

  /** Opens the popup now, in the click; signed in, the element refreshes. A closed popup is no error. */
  start(config: ChatConfig): void {
    this.error = undefined;
    this.host.requestUpdate();
    const onSevered = () =>
      this.fail(new AuthChatKitError('popup-no-opener', 'The sign-in window lost its link to this page (a Cross-Origin-Opener-Policy on the sign-in server): finish signing in there, this page picks it up.'));
    this.follow(signInAcrossSites(config.authUrl!, this.credential(config)!, { onSevered }));
  }

  /** In the any-site mode, once per page: finishes a sign-in this tab started before a reload. */
  resume(config: ChatConfig): void {
    if (!config.popup || resumed.has(config.authUrl!)) return;
    resumed.add(config.authUrl!);
    this.follow(resumeSignIn(config.authUrl!, this.credential(config)!));
  }

  private follow(signIn: Promise<unknown>): void {
    signIn.then(
      done => {
        if (done === false) return;
        this.error = undefined;
        return this.host.refresh();
      },
      (error: AuthChatKitError) => (error.code === 'popup-closed' ? undefined : this.fail(error)),
    );
  }

  /** `signIn()`: the popup where the any-site sign-in applies, else a navigation to `login-url`. */
  signIn(config: ChatConfig): void {
    if (config.popup) this.start(config);
    else if (config.loginUrl) location.assign(config.loginUrl);
  }

  private fail(error: AuthChatKitError): void {
    this.error = error.message;
    this.report(error);
    this.host.requestUpdate();
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
