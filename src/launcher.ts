import { LitElement, css, html, nothing, svg, unsafeCSS, type PropertyDeclarations, type ReactiveController, type TemplateResult } from 'lit';
import { MediaQueryController } from './media-query.js';
import type { ChatMemory } from './memory.js';
import { lockScroll } from './scroll-lock.js';
import { followVisualViewport } from './visual-viewport.js';

/** Below this (a phone, upright or on its side) the open panel takes the whole viewport. */
export const phoneQuery = '(max-width: 480px), (max-height: 480px)';

/**
 * The launcher's part of `<auth-chatkit>`'s API, which `<auth-chatkit>` extends; the
 * LauncherController below does the work.
 *
 * @slot launcher-icon - The launcher's icon while the panel is closed (default: a speech bubble).
 *
 * @csspart launcher - The round button that opens and closes the panel (`mode="launcher"`).
 * @csspart badge - The badge on the launcher.
 * @csspart panel - The launcher's chat panel (a `<dialog>`).
 * @csspart close - The panel's close button (shown full screen, on phones).
 *
 * @cssprop [--auth-chatkit-inset-x=20px] - Launcher: distance from the viewport's right (or left) edge.
 * @cssprop [--auth-chatkit-inset-y=20px] - Launcher: distance from the viewport's bottom edge.
 * @cssprop [--auth-chatkit-launcher-size=56px] - Launcher: the button's diameter.
 * @cssprop [--auth-chatkit-panel-width=400px] - Launcher: the panel's width (at most the viewport's).
 * @cssprop [--auth-chatkit-panel-height=640px] - Launcher: the panel's height (at most what fits above the launcher).
 * @cssprop [--auth-chatkit-z-index=2147483000] - Launcher: stacking of the button and the panel where the browser has no popover top layer.
 *
 * @fires auth-chatkit-open - The launcher's panel opened (not the state the element starts in).
 * @fires auth-chatkit-close - The launcher's panel closed.
 */
export class LauncherElement extends LitElement {
  static override properties: PropertyDeclarations = {
    mode: { reflect: true },
    position: { reflect: true },
    loading: {},
    open: { type: Boolean, reflect: true },
    badge: {},
    badgeLabel: { attribute: 'badge-label' },
  };

  /** `inline` (default): a box in the page; `launcher`: a round button in a corner opening a chat panel. */
  declare mode: 'inline' | 'launcher' | undefined;
  /** Launcher: `right` (default) or `left` corner. */
  declare position: 'right' | 'left' | undefined;
  /** Launcher: `lazy` (default) loads the token and ChatKit on intent (hover, focus, open); `eager` at once. */
  declare loading: 'lazy' | 'eager' | undefined;
  /** Launcher: whether the panel is open. */
  declare open: boolean;
  /** Launcher: a short text shown on the launcher, e.g. an unread count; empty or absent: no badge. */
  declare badge: string | undefined;
  /** Launcher: what assistive technology hears for the badge (default: "<badge> unread"). */
  declare badgeLabel: string | undefined;

  constructor() {
    super();
    this.open = false; // a value the page set before the upgrade still wins
  }

  /** Launcher: opens the panel (and loads, if nothing has yet), as `<dialog>`'s `show()`. */
  show(): void {
    this.open = true;
  }

  /** Launcher: closes the panel, as `<dialog>`'s `close()`. */
  close(): void {
    this.open = false;
  }

  /** Launcher: opens or closes the panel (`force`: open if true, close if false); returns whether it is open. */
  toggle(force: unknown = !this.open): boolean {
    return (this.open = !!force); // like togglePopover(force): any value, read as a boolean
  }
}

/** What the launcher needs of `<auth-chatkit>` beyond its own API. */
export interface LauncherHost extends LauncherElement {
  readonly chatkit: { focusComposer(): Promise<void> } | null;
}

/** How the panel is shown: a popover in the top layer (the corner), or a modal dialog (a phone). */
type Presentation = 'popover' | 'modal';

/** The connected elements: one leaving may let a duplicate launcher show. */
const connected = new Set<LauncherHost>();

const popovers = typeof HTMLElement !== 'undefined' && 'showPopover' in HTMLElement.prototype;

/**
 * `mode="launcher"`: a round button fixed in a corner that opens the chat in a panel above it, full
 * screen on a phone. Owns the `open` state's effects: showing the panel, focus, Escape, the page's
 * scroll on phones, the open and close events; and holds the loading back until intent (a pointer
 * over or focus on the launcher, opening it, `loading="eager"`, a remembered open panel).
 *
 * The panel is a `<dialog popover="manual">`: shown with `showPopover()` it sits in the top layer,
 * above any z-index and out of any ancestor's overflow or transform, and stays non-modal (the page
 * remains usable; manual, so a click elsewhere does not close it). On a phone it is shown with
 * `showModal()` instead: full screen, the page behind inert, and the platform's close request
 * (Escape, Android's back) closes it. Where popovers are missing, `show()`: fixed, under the
 * `--auth-chatkit-z-index`. The launcher button is a manual popover too, shown from the start, so no
 * transformed or contained ancestor holds its `position: fixed`.
 */
export class LauncherController implements ReactiveController {
  readonly #host: LauncherHost;
  readonly #memory: ChatMemory;
  readonly #fire: (type: 'auth-chatkit-open' | 'auth-chatkit-close') => void;
  readonly #phone: MediaQueryController;
  /** Intent seen (or not needed): the token and ChatKit may load, and stay loaded. */
  #started = false;
  /** The open state last shown; undefined until the first. Focus moves and events follow changes, not the state the element starts in. */
  #shown: boolean | undefined;
  /** The next change is the remembered state coming back: no focus move, no event. */
  #restoring = false;
  #presented: Presentation | undefined;
  #unlockScroll: (() => void) | undefined;
  /** Stops the full-screen panel following the visual viewport. */
  #unfollow: (() => void) | undefined;
  #listening: AbortController | undefined;

  constructor(host: LauncherHost, memory: ChatMemory, fire: (type: 'auth-chatkit-open' | 'auth-chatkit-close') => void) {
    this.#host = host;
    this.#memory = memory;
    this.#fire = fire;
    host.addController(this);
    this.#phone = new MediaQueryController(host, phoneQuery);
  }

  /**
   * A second launcher for the same chat (the same embed snippet included twice: chat-identity.ts)
   * shows nothing and loads nothing while the first is on the page.
   */
  duplicate = false;

  /** Whether the element is a launcher. */
  get active(): boolean {
    return this.#host.mode === 'launcher';
  }

  /** Whether the token and ChatKit may load: inline, eager, or once there was intent. Stays true. */
  mayLoad(): boolean {
    const host = this.#host;
    if (this.active && this.duplicate) return false;
    return (this.#started ||= !this.active || host.loading === 'eager' || host.open || this.#memory.pending);
  }

  /** Reopens the panel as the user left it on the previous page: not a change, so nothing fires. */
  restore(): void {
    if (this.#host.open) return;
    this.#restoring = true;
    this.#host.open = true;
  }

  hostConnected(): void {
    connected.add(this.#host);
    this.#listening = new AbortController();
    // ChatKit's composer exists once ChatKit is ready: focus goes there if it still waits in the panel.
    this.#host.addEventListener('chatkit.ready', () => this.#panel?.matches(':focus') && this.#focusComposer(), { signal: this.#listening.signal });
  }

  hostDisconnected(): void {
    // a duplicate it stood in front of takes over
    connected.delete(this.#host);
    for (const other of connected) other.requestUpdate();
    this.#listening?.abort();
    this.#present(undefined); // a modal dialog leaves the document with its `open` attribute: close it
  }

  hostUpdated(): void {
    if (!this.#host.isConnected) return;
    if (!this.active || this.duplicate) {
      this.#present(undefined);
      this.#shown = undefined;
      return;
    }
    const { open } = this.#host;
    const panel = this.#panel!;
    const root = this.#host.shadowRoot!;
    const focused = root.activeElement ?? document.activeElement;
    const focusInside = panel.contains(focused);
    // The button too is in the top layer, before the panel (so under it): a transformed, filtered or
    // contained ancestor would otherwise become what its `position: fixed` is relative to.
    if (popovers && !this.#launcher!.matches(':popover-open')) this.#launcher!.showPopover();
    this.#present(open ? (this.#phone.matches ? 'modal' : 'popover') : undefined);
    const change = this.#shown !== undefined && this.#shown !== open && !this.#restoring;
    if (this.#shown !== open) this.#memory.open = open;
    this.#shown = open;
    this.#restoring = false;
    if (!change) {
      // A dialog shown takes focus (its focusing steps, for popovers too): the state the element
      // starts in leaves it where it was, unless modal (a phone), where it must be inside.
      if (this.#presented === 'popover' && !focusInside && panel.contains(root.activeElement)) {
        if (focused instanceof HTMLElement && focused !== document.body) focused.focus({ preventScroll: true });
        else (root.activeElement as HTMLElement).blur();
      }
      return;
    }
    if (open) {
      panel.focus();
      this.#focusComposer();
    } else if (focusInside) {
      this.#launcher!.focus();
    }
    this.#fire(open ? 'auth-chatkit-open' : 'auth-chatkit-close');
  }

  /** The launcher and its panel around `frame`; `frame` alone inline. */
  render(frame: TemplateResult): TemplateResult | typeof nothing {
    if (!this.active) return frame;
    if (this.duplicate) return nothing;
    const { open, badge } = this.#host;
    const label = badge ? `Chat, ${this.#host.badgeLabel || `${badge} unread`}` : 'Chat';
    return html`<button part="launcher" type="button" popover="manual" aria-label=${label} aria-haspopup="dialog" aria-controls="panel" aria-expanded=${open ? 'true' : 'false'} @click=${this.#toggle} @pointerenter=${this.#intend} @focus=${this.#intend} @keydown=${this.#onKeydown}>${open ? closeIcon : html`<slot name="launcher-icon">${chatIcon}</slot>`}${badge ? html`<span part="badge" aria-hidden="true">${badge}</span>` : nothing}</button><dialog id="panel" part="panel" popover="manual" aria-label="Chat" tabindex="-1" @keydown=${this.#onKeydown} @close=${this.#onClose}><div class="panel"><button part="close" type="button" aria-label="Close chat" @click=${this.#close}>${closeIcon}</button>${frame}</div></dialog>`;
  }

  get #panel(): HTMLDialogElement | null | undefined {
    return this.#host.shadowRoot?.querySelector('[part=panel]');
  }

  get #launcher(): HTMLButtonElement | null | undefined {
    return this.#host.shadowRoot?.querySelector('[part=launcher]');
  }

  /**
   * Shows the panel as `how`, or hides it; while it is modal the page's scroll is held and the panel
   * follows the visual viewport (a phone's keyboard). A panel no longer rendered (the mode changed)
   * left the top layer with the document.
   */
  #present(how: Presentation | undefined): void {
    if (how === this.#presented) return;
    const panel = this.#panel;
    if (this.#presented === 'popover' && popovers) panel?.hidePopover();
    else if (this.#presented) panel?.close();
    this.#presented = how;
    if (how === 'modal') panel?.showModal();
    else if (how === 'popover' && popovers) panel?.showPopover();
    else if (how) panel?.show();
    this.#unlockScroll?.();
    this.#unlockScroll = how === 'modal' ? lockScroll() : undefined;
    this.#unfollow?.();
    this.#unfollow = how === 'modal' && panel ? followVisualViewport(panel) : undefined;
  }

  #focusComposer(): void {
    // Before ChatKit is ready this may do nothing: the `chatkit.ready` listener tries again.
    this.#host.chatkit?.focusComposer().catch(() => {});
  }

  #intend = (): void => {
    if (this.#started) return;
    this.#started = true;
    this.#host.requestUpdate();
  };

  #toggle = (): void => {
    this.#host.open = !this.#host.open;
  };

  #close = (): void => {
    this.#host.open = false;
  };

  #onKeydown = (event: KeyboardEvent): void => {
    if (event.key !== 'Escape' || event.isComposing || event.defaultPrevented || !this.#host.open) return;
    event.preventDefault(); // handled: no close request for the modal dialog as well
    this.#host.open = false;
  };

  /** The platform closed the modal dialog (Escape, Android's back): the element follows. */
  #onClose = (): void => {
    if (this.#presented !== 'modal' || this.#panel?.open) return;
    this.#presented = undefined;
    this.#unlockScroll?.();
    this.#unfollow?.();
    this.#unlockScroll = this.#unfollow = undefined;
    this.#host.open = false;
  };
}

const icon = (path: TemplateResult) => html`<svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" fill="currentColor">${path}</svg>`;
const chatIcon = icon(svg`<path d="M12 3C6.5 3 2 6.6 2 11c0 2.4 1.3 4.6 3.4 6L4.6 21l4.3-2.3c1 .2 2 .3 3.1.3 5.5 0 10-3.6 10-8s-4.5-8-10-8Z"/>`);
const closeIcon = icon(svg`<path d="M18.3 5.7a1 1 0 0 0-1.4 0L12 10.6 7.1 5.7a1 1 0 0 0-1.4 1.4l4.9 4.9-4.9 4.9a1 1 0 1 0 1.4 1.4l4.9-4.9 4.9 4.9a1 1 0 0 0 1.4-1.4L13.4 12l4.9-4.9a1 1 0 0 0 0-1.4Z"/>`);

/** The launcher's styles; the panel's size and place follow the CSS custom properties. */
export const launcherStyles = css`
:host([mode=launcher]){display:contents;--_x:var(--auth-chatkit-inset-x,20px);--_y:var(--auth-chatkit-inset-y,20px);--_size:var(--auth-chatkit-launcher-size,56px);--_z:var(--auth-chatkit-z-index,2147483000)}
[part=launcher]{position:fixed;inset:auto var(--_x) var(--_y) auto;z-index:var(--_z);width:var(--_size);height:var(--_size);margin:0;padding:0;border:0;overflow:visible;border-radius:50%;display:grid;place-items:center;background:var(--auth-chatkit-accent,#0969da);color:#fff;box-shadow:0 4px 14px rgb(0 0 0/.3);cursor:pointer;transition:transform .15s}
[part=launcher]:hover{transform:scale(1.06)}
[part=launcher]:focus-visible,[part=close]:focus-visible{outline:3px solid var(--auth-chatkit-accent,#0969da);outline-offset:3px}
[part=badge]{position:absolute;top:-4px;right:-4px;min-width:20px;padding:0 6px;box-sizing:border-box;border-radius:10px;background:#cf222e;color:#fff;font:600 12px/20px system-ui,sans-serif}
[part=panel]{position:fixed;inset:auto var(--_x) calc(var(--_y) + var(--_size) + 12px) auto;z-index:var(--_z);box-sizing:border-box;width:min(var(--auth-chatkit-panel-width,400px),calc(100vw - 2 * var(--_x)));height:min(var(--auth-chatkit-panel-height,640px),calc(100dvh - 2 * var(--_y) - var(--_size) - 12px));max-width:none;max-height:none;margin:0;padding:0;border:0;border-radius:var(--auth-chatkit-radius,12px);overflow:hidden;overscroll-behavior:contain;background:var(--auth-chatkit-background,Canvas);color:inherit;box-shadow:0 8px 30px rgb(0 0 0/.25);animation:rise .16s ease-out}
:host([position=left]) [part=launcher]{right:auto;left:var(--_x)}
:host([position=left]) [part=panel]{right:auto;left:var(--_x)}
.panel{display:flex;flex-direction:column;height:100%}
.panel [part=frame]{flex:1;min-height:0}
[part=close]{display:none;align-self:flex-end;width:44px;height:44px;margin:4px;padding:10px;border:0;border-radius:50%;background:none;color:inherit}
[part=close] svg{width:24px;height:24px}
@keyframes rise{from{opacity:0;transform:translateY(12px)}}
@media ${unsafeCSS(phoneQuery)}{[part=panel]{inset:var(--_vv-top,0) 0 auto;width:100%;height:var(--_vv-height,100%);border-radius:0;box-shadow:none}[part=close]{display:block}.panel [part=frame]{border:0;border-radius:0}}
@media (prefers-reduced-motion:reduce){[part=panel]{animation:none}[part=launcher]{transition:none}}`;
