// The harness around the README's recipe (Chat.tsx): a parent that re-renders it, unmounts and
// remounts it, and an element with a broken config whose first error must reach its handler.
import { AuthChatKit, type AuthChatKitElement } from 'auth-chatkit/react';
import { StrictMode, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Chat } from './Chat';

function App() {
  const [renders, setRenders] = useState(0);
  const [shown, setShown] = useState(true);
  const broken = useRef<AuthChatKitElement>(null);
  return (
    <>
      <button id="rerender" onClick={() => setRenders(renders + 1)}>re-render {renders}</button>
      <button id="toggle" onClick={() => setShown(!shown)}>unmount or mount</button>
      {shown && <Chat />}
      <AuthChatKit id="broken" ref={broken} onError={event => console.warn('broken', event.detail.code, broken.current?.error?.code)} />
    </>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
