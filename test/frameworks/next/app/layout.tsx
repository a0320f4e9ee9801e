import type { ReactNode } from 'react';

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <head>
        {/* the test's stand-in for ChatKit's runtime (copied to public/ by the suite) */}
        <script src="/fake-chatkit.js" />
      </head>
      <body>{children}</body>
    </html>
  );
}
