import { AuthChatKit, type AuthChatKitElement } from 'auth-chatkit/react';
import { useRef } from 'react';

export function Chat() {
  const chat = useRef<AuthChatKitElement>(null);
  return (
    <>
      <button onClick={() => chat.current?.refresh()}>Refresh</button>
      <AuthChatKit
        ref={chat}
        authUrl="/api/auth"
        apiUrl="/chatkit"
        theme="dark"
        chatkitOptions={{ history: { enabled: false }, startScreen: { greeting: 'Ask me anything' } }}
        onReady={() => console.log('auth-chatkit ready')}
        onError={event => console.warn('auth-chatkit error', event.detail.code, event.detail.message)}
        onChatKitThreadChange={event => console.log('thread', event.detail.threadId)}
      />
    </>
  );
}
