import type { OpenAIChatKit } from '@openai/chatkit';
import { css, html, type TemplateResult } from 'lit';
import type { AuthChatKitState } from './events.js';

/** What the frame shows: the state, ChatKit once mounted, and the status panel's texts and actions. */
export interface FrameView {
  state: AuthChatKitState;
  chatkit: OpenAIChatKit | undefined;
  /** The error shown in the `error` state. */
  message: string | undefined;
  loginUrl: string | undefined;
  /** Signed out: the any-site sign-in (a popup), when the auth server is on another site. */
  signIn: (() => void) | undefined;
  /** Why the last any-site sign-in failed (a blocked popup...). */
  signInError: string | undefined;
  retry: () => void;
}

/**
 * The element's box: ChatKit, or the status panel in its place. The panel is one persistent live
 * region, so each state's message is announced. Templates are kept on few lines: their whitespace
 * ships as is.
 */
export function frame(view: FrameView): TemplateResult {
  const { state, chatkit } = view;
  const chatShown = chatkit !== undefined && (state === 'ready' || state === 'retrying');
  return html`<div part="frame"><p part="notice" role="status" ?hidden=${!chatShown || state !== 'retrying'}>${retryingText}</p><div part="chat" ?hidden=${!chatShown}>${chatkit}</div><div part="status" role="status" ?hidden=${chatShown}>${statusPanel(view)}</div></div>`;
}

function statusPanel({ state, message, loginUrl, signIn, signInError, retry }: FrameView): TemplateResult {
  if (state === 'error') {
    return html`<slot name="error"><p role="alert">${message}</p>${retryButton(retry)}</slot>`;
  }
  if (state === 'signed-out') {
    const action = signIn
      ? html`<button part="sign-in" @click=${signIn}>Sign in</button>`
      : loginUrl && html`<a part="sign-in" href=${loginUrl}>Sign in</a>`;
    return html`<slot name="signed-out"><p>Sign in to chat.</p>${action}${signInError && html`<p role="alert">${signInError}</p>`}</slot>`;
  }
  if (state === 'retrying') return html`<slot name="loading"><p>${retryingText}</p>${retryButton(retry)}</slot>`;
  return html`<slot name="loading"><p>Loading chat…</p></slot>`;
}

const retryingText = "Can't reach the sign-in server. Retrying…";
const retryButton = (retry: () => void) => html`<button part="retry" @click=${retry}>Try again</button>`;

// Styled through the parts: the names the page uses with ::part().
export const frameStyles = css`
:host{display:block;height:var(--auth-chatkit-height,600px)}
:host([hidden]),[hidden]{display:none!important}
[part=frame]{box-sizing:border-box;display:flex;flex-direction:column;height:100%;overflow:hidden;border:var(--auth-chatkit-border,1px solid #d0d7de);border-radius:var(--auth-chatkit-radius,12px);background:var(--auth-chatkit-background,Canvas);color:var(--auth-chatkit-color,CanvasText)}
[part=chat]{flex:1;min-height:0}
openai-chatkit{display:block;height:100%}
[part=status]{flex:1;display:grid;place-content:center;gap:.75rem;padding:1.5rem;text-align:center;font:15px/1.5 system-ui,sans-serif}
p{margin:0}
[part=notice]{padding:.4rem .75rem;background:#fff8c5}
a,button{justify-self:center;font:inherit;color:var(--auth-chatkit-accent,#0969da)}
button{padding:.4rem 1rem;border:1px solid;border-radius:6px;background:none}`;
