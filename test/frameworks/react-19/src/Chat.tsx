import { AuthChatKit } from 'auth-chatkit/react';

export function Chat() {
  return (
    <AuthChatKit
      authUrl="/api/auth"
      apiUrl="/chatkit"
      theme="dark"
      chatkitOptions={{ history: { enabled: false }, startScreen: { greeting: 'Ask me anything' } }}
      onReady={() => console.log('auth-chatkit ready')}
      onError={event => console.warn('auth-chatkit error', event.detail.code, event.detail.message)}
      onChatKitThreadChange={event => console.log('thread', event.detail.threadId)}
    />
  );
}
