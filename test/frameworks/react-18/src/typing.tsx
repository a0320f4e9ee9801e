// Type-checked only: React 18's types check the component's props, and the plain element in the
// global JSX namespace once `auth-chatkit/define` is imported.
import 'auth-chatkit/define';
import { AuthChatKit } from 'auth-chatkit/react';

export const plain = <auth-chatkit api-url="/chatkit" sign-in-mode="popup" credential-storage="local" title="Chat" role="region" />;

// @ts-expect-error: "drak" is no theme
export const badTheme = <auth-chatkit api-url="/chatkit" theme="drak" />;
// @ts-expect-error: "drak" is no theme
export const badProp = <AuthChatKit apiUrl="/chatkit" theme="drak" />;
// @ts-expect-error: a ChatKit event's detail is typed
export const badDetail = <AuthChatKit apiUrl="/chatkit" onChatKitThreadChange={event => event.detail.nothing} />;
