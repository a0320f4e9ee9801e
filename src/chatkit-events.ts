/** Every event `<openai-chatkit>` dispatches (ChatKitEvents in @openai/chatkit), `chatkit.` + each. */
export const chatKitEventNames = 'ready error effect deeplink response.start response.end history.open history.close thread.change thread.load.start thread.load.end tool.change log'
  .split(' ')
  .map(name => `chatkit.${name}`);

/**
 * Re-dispatches ChatKit's events from `host`, bubbling and composed, so the page can listen on
 * `<auth-chatkit>` (ChatKit lives in its shadow root). The original stops at the ChatKit element, so
 * nothing is heard twice. Listeners go when `signal` aborts.
 */
export function forwardChatKitEvents(chatkit: EventTarget, host: EventTarget, signal: AbortSignal): void {
  for (const type of chatKitEventNames) {
    chatkit.addEventListener(
      type,
      event => {
        event.stopPropagation();
        host.dispatchEvent(new CustomEvent(type, { detail: (event as CustomEvent).detail, bubbles: true, composed: true }));
      },
      { signal },
    );
  }
}
