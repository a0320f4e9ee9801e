// Type-checked only: the plain element in React 19's JSX once `auth-chatkit/define` is imported,
// with React's own attributes, every attribute and the typed events; wrong values are errors.
import 'auth-chatkit/define';
import { AuthChatKit } from 'auth-chatkit/react';

export const plain = (
  <auth-chatkit
    api-url="/chatkit"
    auth-url="/api/auth"
    sign-in-mode="popup"
    credential-storage="session"
    theme="auto"
    title="Chat"
    role="region"
    tabIndex={0}
    onClick={() => {}}
    suppressHydrationWarning
    onauth-chatkit-error={event => event.detail.code satisfies string}
    onchatkit-thread-change={event => event.detail.threadId satisfies string | null}
  />
);

// @ts-expect-error: "drak" is no theme
export const badTheme = <auth-chatkit api-url="/chatkit" theme="drak" />;
// @ts-expect-error: "both" is no sign-in-mode
export const badMode = <auth-chatkit api-url="/chatkit" sign-in-mode="both" />;
// @ts-expect-error: the component's theme is checked too
export const badProp = <AuthChatKit apiUrl="/chatkit" theme="drak" />;
// @ts-expect-error: a ChatKit event's detail is typed
export const badDetail = <AuthChatKit apiUrl="/chatkit" onChatKitThreadChange={event => event.detail.nothing} />;
