import { Harness } from './harness';

export default function Page() {
  return (
    <main>
      <h1>Next.js</h1>
      <Harness />
    </main>
  );
}
