import { fixture } from '@open-wc/testing';
import type { AuthChatKit } from '../../../src/auth-chatkit.js';
import { fakeChatKitSrc } from './fake-chatkit.js';
import type { FakeNetwork } from './fake-network.js';

/** An `<auth-chatkit>` on `network`'s auth server and chat backend, with the fake ChatKit, in the page. */
export function mountElement(network: FakeNetwork, attributes: Record<string, string> = {}): Promise<AuthChatKit> {
  const el = document.createElement('auth-chatkit');
  const all = { 'auth-url': network.authUrl, 'api-url': network.apiUrl, 'chatkit-src': fakeChatKitSrc, ...attributes };
  for (const [name, value] of Object.entries(all)) el.setAttribute(name, value);
  return fixture(el);
}

/** The launcher's parts in the element's shadow root. */
export function partsOf(el: AuthChatKit) {
  const part = <T extends Element>(name: string) => el.shadowRoot!.querySelector<T>(`[part~=${name}]`);
  return {
    launcher: part<HTMLButtonElement>('launcher')!,
    panel: part<HTMLDialogElement>('panel')!,
    close: part<HTMLButtonElement>('close')!,
    badge: part<HTMLElement>('badge'),
    status: part<HTMLElement>('status')!,
  };
}

/** Whether the panel shows: in the top layer as a popover, or as an open (modal) dialog. */
export const panelShown = (el: AuthChatKit) => {
  const { panel } = partsOf(el);
  return panel.matches(':popover-open') || panel.open;
};

/** Opens the launcher's panel and ends its entry animation, so its box is where it comes to rest. */
export async function openSettled(el: AuthChatKit): Promise<void> {
  el.show();
  await el.updateComplete;
  for (const animation of partsOf(el).panel.getAnimations()) animation.finish();
}

/** The sessionStorage key of a remembering element on `network`: its mode, and its id or place among its twins. */
export const memoryKeyOf = (network: FakeNetwork, mode = 'launcher', idOrPlace: string | number = 0) =>
  `auth-chatkit:memory:${JSON.stringify([network.authUrl, mode, network.apiUrl, idOrPlace])}`;
