// First: it must be evaluated before Lit is (see trusted-types.ts).
import { trustedTypesRefusal } from './trusted-types.js';
import type { OpenAIChatKit } from '@openai/chatkit';
import { AnySiteSignIn } from './any-site-sign-in.js';
import { memoryKey, placeOf } from './chat-identity.js';
import { ChatKitMount } from './chatkit-mount.js';
import { ChatKitScript } from './chatkit-runtime.js';
import { parseConfig, type ChatConfig } from './config.js';
import { AuthChatKitError } from './errors.js';
import type { AuthChatKitEventMap, AuthChatKitState } from './events.js';
import { frame, frameStyles } from './frame.js';
import { AuthChatKitProperties } from './element-properties.js';
import { LauncherController, launcherStyles } from './launcher.js';
import { MediaQueryController } from './media-query.js';
import { ChatMemory } from './memory.js';
import type { TokenSnapshot, TokenSource } from './token-source.js';
import { tokenSourceFor } from './token-sources.js';

export type { AuthChatKitEventMap, AuthChatKitState } from './events.js';

const idle: TokenSnapshot = { state: 'idle' };

/**
 * `<auth-chatkit>`: OpenAI's ChatKit, authenticated with a Better Auth JWT that stays fresh.
 * Thin by design: it turns attributes into a config, subscribes to the shared TokenSource for the
 * auth server, loads the ChatKit runtime in parallel, and mounts `<openai-chatkit>` with an
 * authorized fetch once both are there.
 *
 * @tag auth-chatkit
 * @summary OpenAI ChatKit with Better Auth JWTs that stay fresh.
 *
 * @slot loading - Shown while the first token or the ChatKit script loads.
 * @slot signed-out - Shown when there is no session (default: a sign-in link to `login-url`).
 * @slot error - Shown on a configuration or loading error (default: the message and "Try again").
 *
 * @attr nonce - The page's CSP nonce, given to the ChatKit script the element inserts (read through the `nonce` property, which browsers keep when they hide the attribute).
 *
 * @csspart frame - The outer box.
 * @csspart chat - The box ChatKit is mounted in.
 * @csspart status - The panel shown instead of the chat while not ready.
 * @csspart notice - The strip shown above the chat while the sign-in server is unreachable.
 * @csspart sign-in - The default sign-in link.
 * @csspart retry - The default "Try again" button.
 *
 * @cssprop [--auth-chatkit-height=600px] - Height of the element.
 * @cssprop [--auth-chatkit-border=1px solid #d0d7de] - Border of the frame.
 * @cssprop [--auth-chatkit-radius=12px] - Corner radius of the frame.
 * @cssprop [--auth-chatkit-background=Canvas] - Background behind ChatKit and the state panels.
 * @cssprop [--auth-chatkit-color=CanvasText] - Text color of the state panels.
 * @cssprop [--auth-chatkit-accent=#0969da] - Color of the default link and button, and the launcher's background.
 *
 * @fires auth-chatkit-ready - ChatKit is mounted with a valid token.
 * @fires auth-chatkit-token - A new token arrived: `detail.expiresAt` (local ms), never the token.
 * @fires auth-chatkit-signed-out - The sign-in server has no session.
 * @fires auth-chatkit-error - `detail: { code, message }`.
 */
export class AuthChatKit extends AuthChatKitProperties {
  /** Defines `<auth-chatkit>` (or `tag`); a second call, or a second copy of the script, is harmless. */
  static define(tag = 'auth-chatkit', registry: CustomElementRegistry = customElements): void {
    if (!registry.get(tag)) registry.define(tag, this);
  }

  #state: AuthChatKitState = 'loading';
  #config: ChatConfig | undefined;
  #configError: AuthChatKitError | undefined;
  #source: TokenSource | undefined;
  #unsubscribe: (() => void) | undefined;
  #snapshot: TokenSnapshot = idle;
  /** The expiry last announced: a source followed again replays its token, which is not new. */
  #announcedExpiry: number | undefined;
  readonly #runtime = new ChatKitScript(error => {
    if (error) this.#report(error);
    this.#sync();
  });
  readonly #chat = new ChatKitMount();
  readonly #anySite = new AnySiteSignIn(this, error => this.#report(error, true));
  readonly #memory = new ChatMemory();
  readonly #launcher = new LauncherController(this, this.#memory, type => this.#fire(type, {}));
  readonly #dark = new MediaQueryController(this, '(prefers-color-scheme: dark)');
  /** The message of the last error reported, so a backoff repeating it stays quiet. */
  #lastError: string | undefined;
  /** A state event waiting for the render that shows its state. */
  #stateEvent: 'auth-chatkit-ready' | 'auth-chatkit-signed-out' | undefined;

  constructor() {
    super();
    this.remember = false; // a value the page set before the upgrade still wins
  }

  /** `idle` (a launcher before intent), `loading`, `signed-out`, `ready`, `retrying` (sign-in server unreachable) or `error`. */
  get state(): AuthChatKitState {
    return this.#state;
  }

  /**
   * What went wrong, while it lasts (the `detail` of the last `auth-chatkit-error` with `code` and
   * `message`), or null: a listener added after the element's first update reads what it missed.
   */
  get error(): AuthChatKitError | null {
    return this.#configError ?? this.#runtime.error ?? this.#snapshot.error ?? null;
  }

  /** The mounted `<openai-chatkit>` (for `sendUserMessage`, `focusComposer`, ...), or null. */
  get chatkit(): OpenAIChatKit | null {
    return this.#chat.element ?? null;
  }

  /**
   * Starts the built-in Sign in's flow from a host's own button (`signed-out` slot), in its click: the
   * any-site popup with the same events (`auth-chatkit-error` `popup-blocked`, then `auth-chatkit-ready`),
   * or `login-url` on the same site. Throws the `config` error while the attributes are invalid. E.g.
   * `<button slot="signed-out" onclick="this.closest('auth-chatkit').signIn()">Sign in to chat</button>`.
   */
  signIn(): void {
    if (!this.#config) throw this.#configError ?? new AuthChatKitError('config', '<auth-chatkit> is not connected.');
    this.#anySite.signIn(this.#config);
  }

  /**
   * Ends the session the widget uses (the any-site sign-in's own session, or Better Auth's) and
   * signs it out here and in the page's other tabs. Rejects if the auth server could not be told.
   */
  signOut(): Promise<void> {
    return this.#anySite.signOut(this.#config, this.#source);
  }

  /** Gets a new token now (e.g. after the page signed in or out) and retries a failed ChatKit load. */
  async refresh(): Promise<void> {
    this.#runtime.retry();
    this.#lastError = undefined; // a retry that fails again is reported again
    this.#configure();
    await this.#source?.refresh();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.setAttribute('state', this.#state);
    this.requestUpdate(); // on a reconnect, #configure subscribes again
  }

  /** An atomic move (`moveBefore()`) keeps everything as it is: ChatKit, its thread, the token. */
  connectedMoveCallback(): void {}

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#useSource(undefined);
    this.#setState('loading');
  }

  // Lit without its Trusted Types policy cannot render: the element says why, once, and stays still.
  protected override shouldUpdate(): boolean {
    const refusal = trustedTypesRefusal();
    if (!refusal) return true;
    this.#setState('error');
    this.#report(refusal);
    return false;
  }

  // Configuration is derived before each render, so a state it changes renders in the same update.
  protected override willUpdate(): void {
    this.#configure();
  }

  // State events fire once the DOM shows the state (on ready, `chatkit` is in the shadow root).
  protected override updated(): void {
    const type = this.#stateEvent;
    this.#stateEvent = undefined;
    if (type) this.#fire(type, {});
  }

  /** Brings everything in line with the current settings; cheap when nothing changed. */
  #configure(): void {
    if (!this.isConnected) return;
    try {
      // a chatkit-src the attribute gave (markup, which injected HTML can write) is trusted less
      const chatkitSrcFromMarkup = this.chatkitSrc != null && this.chatkitSrc === this.getAttribute('chatkit-src');
      this.#config = parseConfig(this, { href: document.baseURI, origin: location.origin, dark: this.#dark.matches, chatkitSrcFromMarkup });
      if (this.#configError) this.#lastError = undefined; // fixed: breaking it again is news
      this.#configError = undefined;
    } catch (error) {
      this.#config = undefined;
      this.#configError = error as AuthChatKitError;
      this.#useSource(undefined);
      this.#report(this.#configError);
      this.#sync();
      return;
    }
    const config = this.#config;
    const place = placeOf(this);
    this.#launcher.duplicate = place > 0;
    this.#memory.use(this.remember ? memoryKey(this, config, place) : undefined);
    if (!this.#launcher.mayLoad()) return this.#sync();
    // The script first: its download then overlaps with the token source's start.
    this.#runtime.load(config.chatkitSrc, this.nonce);
    const provider = typeof this.tokenProvider === 'function' ? this.tokenProvider : undefined;
    this.#useSource(tokenSourceFor(provider ?? config.authUrl!, config.leewayMs, provider ? undefined : this.#anySite.credential(config)));
    if (!provider) this.#anySite.resume(config);
    if (this.#chat.apiUrl && this.#chat.apiUrl !== config.apiUrl) this.#chat.unmount();
    this.#sync();
  }

  /** Follows `source` (or nothing); a different auth server may mean a different user: remount. */
  #useSource(source: TokenSource | undefined): void {
    if (source === this.#source) return;
    this.#unsubscribe?.();
    this.#source = source;
    this.#snapshot = idle;
    this.#chat.unmount();
    this.#unsubscribe = source?.subscribe(snapshot => this.#onSnapshot(snapshot));
  }

  #onSnapshot(snapshot: TokenSnapshot): void {
    this.#snapshot = snapshot;
    const { expiresAt } = snapshot;
    if (expiresAt !== undefined && expiresAt !== this.#announcedExpiry) {
      this.#announcedExpiry = expiresAt;
      this.#fire('auth-chatkit-token', { expiresAt });
    }
    if (snapshot.error && (snapshot.state === 'error' || snapshot.state === 'retrying')) this.#report(snapshot.error);
    if (this.#memory.follow(snapshot)) this.#launcher.restore();
    this.#sync();
  }

  /** Mounts or unmounts ChatKit, refreshes its options, and moves to the resulting state. */
  #sync(): void {
    if (!this.isConnected) return;
    const config = this.#config;
    const { state, expiresAt } = this.#snapshot;
    if (!config || state === 'signed-out') this.#chat.unmount();
    const hasToken = expiresAt !== undefined && (state === 'ready' || state === 'retrying');
    if (config && hasToken && customElements.get('openai-chatkit')) {
      this.#chat.mount(config, {
        host: this,
        source: this.#source!,
        extra: this.chatkitOptions,
        thread: this.#memory.thread,
        // Remembered so a remount (after a plain remove and append) reopens the thread shown.
        onThreadChange: thread => (this.#memory.thread = thread),
        onRejected: () => this.#report(new AuthChatKitError('chat-unauthorized', 'The chat backend refused the token.'), true),
      });
    }
    this.#setState(this.#deriveState());
  }

  #deriveState(): AuthChatKitState {
    const tokenState = this.#snapshot.state;
    if (this.#configError) return 'error';
    if (!this.#source) return 'idle';
    if (tokenState === 'signed-out') return 'signed-out';
    if (this.#runtime.error) return 'error';
    if (this.#chat.element) return tokenState === 'retrying' ? 'retrying' : 'ready';
    if (tokenState === 'error' || tokenState === 'retrying') return tokenState;
    return 'loading';
  }

  #setState(state: AuthChatKitState): void {
    const previous = this.#state;
    if (state === previous) return;
    this.#state = state;
    this.setAttribute('state', state);
    this.requestUpdate();
    if (state === 'ready') this.#lastError = undefined;
    this.#stateEvent =
      state === 'signed-out' ? 'auth-chatkit-signed-out' : state === 'ready' && previous !== 'retrying' ? 'auth-chatkit-ready' : undefined;
  }

  /**
   * Fires `auth-chatkit-error`: once per distinct failure while it lasts (a backoff or a re-render
   * repeating it stays quiet), or `always` for failures of distinct attempts (a click, a request).
   */
  #report({ code, message }: AuthChatKitError, always = false): void {
    if (!always && message === this.#lastError) return;
    this.#lastError = message;
    this.#fire('auth-chatkit-error', { code, message });
  }

  #fire<K extends keyof AuthChatKitEventMap>(type: K, detail: AuthChatKitEventMap[K]['detail']): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  protected override render() {
    const config = this.#config;
    const { error } = this;
    return this.#launcher.render(
      frame({
        state: this.#state,
        chatkit: this.#chat.element,
        message: error?.message,
        loginUrl: config?.loginUrl,
        signIn: config?.popup ? () => this.#anySite.start(config) : undefined,
        signInError: this.#anySite.error,
        retry: () => this.refresh(),
      }),
    );
  }

  static override styles = [frameStyles, launcherStyles];
}

declare global {
  interface HTMLElementTagNameMap {
    'auth-chatkit': AuthChatKit;
    'openai-chatkit': OpenAIChatKit;
  }
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface HTMLElementEventMap extends AuthChatKitEventMap {}
}
