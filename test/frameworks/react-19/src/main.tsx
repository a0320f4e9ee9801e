// The harness around the README's recipe (Chat.tsx): a parent that re-renders it, unmounts and
// remounts it, and an element with a broken config whose first error must reach its handler.
import { AuthChatKit, type AuthChatKitElement, type AuthChatKitProps } from 'auth-chatkit/react';
import { StrictMode, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Chat } from './Chat';

// Every event prop of the component: the test dispatches every event on #every and expects each heard.
const handlers = [
  'onReady', 'onToken', 'onSignedOut', 'onError', 'onOpen', 'onClose',
  'onChatKitReady', 'onChatKitError', 'onChatKitEffect', 'onChatKitDeeplink', 'onChatKitResponseStart',
  'onChatKitResponseEnd', 'onChatKitHistoryOpen', 'onChatKitHistoryClose', 'onChatKitThreadChange',
  'onChatKitThreadLoadStart', 'onChatKitThreadLoadEnd', 'onChatKitToolChange', 'onChatKitLog',
] satisfies (keyof AuthChatKitProps)[];
const every = Object.fromEntries(handlers.map(name => [name, (event: Event) => console.log('heard', event.type)]));

function App() {
  const [renders, setRenders] = useState(0);
  const [shown, setShown] = useState(true);
  const broken = useRef<AuthChatKitElement>(null);
  return (
    <>
      <button id="rerender" onClick={() => setRenders(renders + 1)}>re-render {renders}</button>
      <button id="toggle" onClick={() => setShown(!shown)}>unmount or mount</button>
      {shown && <Chat />}
      <AuthChatKit id="every" {...every} hidden />
      <AuthChatKit id="broken" ref={broken} onError={event => console.warn('broken', event.detail.code, broken.current?.error?.code)} />
    </>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
