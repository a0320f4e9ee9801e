/** Every event `<openai-chatkit>` dispatches (ChatKitEvents in @openai/chatkit), `chatkit.` + each. */
export const chatKitEventNames = 'ready error effect deeplink response.start response.end history.open history.close thread.change thread.load.start thread.load.end tool.change log'
  .split(' ')
  .map(name => `chatkit.${name}`);

/**
 * Re-dispatches ChatKit's events from `host`, bubbling and composed, so the page can listen on
 * `<auth-chatkit>` (ChatKit lives in its shadow root): under ChatKit's name, then under the same
 * name with dashes (`chatkit-thread-change`) for templates that cannot write a dot (JSX attributes,
 * Vue's `@event`, where a dot starts a modifier). The original stops at the ChatKit element, so
 * nothing is heard twice under one name. Listeners go when `signal` aborts.
 */
export function forwardChatKitEvents(chatkit: EventTarget, host: EventTarget, signal: AbortSignal): void {
  for (const type of chatKitEventNames) {
    chatkit.addEventListener(
      type,
      event => {
        event.stopPropagation();
        for (const name of [type, type.replaceAll('.', '-')]) {
          host.dispatchEvent(new CustomEvent(name, { detail: (event as CustomEvent).detail, bubbles: true, composed: true }));
        }
      },
      { signal },
    );
  }
}
