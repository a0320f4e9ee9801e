// Type-checked only: React 18's types check the component's props too.
import { AuthChatKit } from 'auth-chatkit/react';

// @ts-expect-error: "drak" is no theme
export const badProp = <AuthChatKit apiUrl="/chatkit" theme="drak" />;
// @ts-expect-error: a ChatKit event's detail is typed
export const badDetail = <AuthChatKit apiUrl="/chatkit" onChatKitThreadChange={event => event.detail.nothing} />;
