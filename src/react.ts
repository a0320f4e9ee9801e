'use client';
// `auth-chatkit/react`: <AuthChatKit> for React 18 and 19 and server-rendered pages (Next.js App
// Router): every attribute and property as a camelCase prop, every event as an `on…` prop, a ref to
// the element. @lit/react sets the props on the element in a layout effect, on the client only, so
// a server-rendered element gets them after hydration (React 19 skips custom-element properties
// when it hydrates, react#35446) and React 18 never writes an object as "[object Object]".
import { createComponent, type EventName } from '@lit/react';
import * as React from 'react';
import { AuthChatKit as AuthChatKitElement } from './auth-chatkit.js';
import type { AuthChatKitEventMap as Events } from './events.js';

export { AuthChatKitElement };
export type { AuthChatKitEventMap, AuthChatKitState } from './events.js';
export { AuthChatKitError, type AuthChatKitErrorCode } from './errors.js';

const event = <K extends keyof Events>(name: K) => name as EventName<Events[K]>;

const events = {
  onReady: event('auth-chatkit-ready'),
  onToken: event('auth-chatkit-token'),
  onSignedOut: event('auth-chatkit-signed-out'),
  onError: event('auth-chatkit-error'),
  onOpen: event('auth-chatkit-open'),
  onClose: event('auth-chatkit-close'),
  onChatKitReady: event('chatkit.ready'),
  onChatKitError: event('chatkit.error'),
  onChatKitEffect: event('chatkit.effect'),
  onChatKitDeeplink: event('chatkit.deeplink'),
  onChatKitResponseStart: event('chatkit.response.start'),
  onChatKitResponseEnd: event('chatkit.response.end'),
  onChatKitHistoryOpen: event('chatkit.history.open'),
  onChatKitHistoryClose: event('chatkit.history.close'),
  onChatKitThreadChange: event('chatkit.thread.change'),
  onChatKitThreadLoadStart: event('chatkit.thread.load.start'),
  onChatKitThreadLoadEnd: event('chatkit.thread.load.end'),
  onChatKitToolChange: event('chatkit.tool.change'),
  onChatKitLog: event('chatkit.log'),
};

// @lit/react tells properties from attributes by the class's prototype: Lit puts its accessors
// there when the class is finalized, which reading `observedAttributes` does (and nothing else
// public does before the class is defined).
void AuthChatKitElement.observedAttributes;

const Wrapped = createComponent({ react: React, tagName: 'auth-chatkit', elementClass: AuthChatKitElement, events, displayName: 'AuthChatKitElement' });

/** The props of `<AuthChatKit>`: the element's attributes and properties in camelCase, `on…` handlers, and React's HTML attributes. */
export type AuthChatKitProps = React.ComponentPropsWithoutRef<typeof Wrapped>;

// On the server there is nothing to define (and React 18 warns about a layout effect there).
const useClientLayoutEffect = typeof document === 'undefined' ? () => {} : React.useLayoutEffect;

/**
 * `<auth-chatkit>` as a React component. The element is defined on the first mount, after
 * @lit/react gave it its props and listeners (children's layout effects run first): a
 * server-rendered element is not upgraded before hydration, so it neither reports a missing
 * `api-url` nor writes its `state` attribute before React compares the markup, and `onError` hears
 * even the first `config` error.
 */
export const AuthChatKit = React.forwardRef<AuthChatKitElement, AuthChatKitProps>(function AuthChatKit(props, ref) {
  useClientLayoutEffect(() => AuthChatKitElement.define(), []);
  return React.createElement(Wrapped, { ...props, ref });
});
