// Type-checked by `next build`: wrong values are errors.
import { AuthChatKit } from 'auth-chatkit/react';

// @ts-expect-error: "drak" is no theme
export const badProp = <AuthChatKit apiUrl="/chatkit" theme="drak" />;
