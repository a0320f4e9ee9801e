import type sinon from 'sinon';

// Captured before any test fakes timers.
const realSetTimeout = window.setTimeout.bind(window);

/** Lets real tasks run (fetch body reads, BroadcastChannel, Web Locks, script loads). */
export async function realTasks(rounds = 4): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await new Promise<void>(resolve => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => resolve();
      channel.port2.postMessage(null);
    });
  }
}

/**
 * Advances fake time in steps, letting real tasks run between them: a fetch Response's body is
 * read in real tasks, which fake timers do not drive.
 */
export async function advance(clock: sinon.SinonFakeTimers, ms: number, step = 1_000): Promise<void> {
  for (let left = ms; left > 0; left -= step) {
    await clock.tickAsync(Math.min(step, left));
    await realTasks();
  }
  if (ms === 0) {
    await clock.tickAsync(0);
    await realTasks();
  }
}

/** Polls in real time (fake timers do not drive BroadcastChannel, Web Locks or script loads). */
export async function waitFor(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise(resolve => realSetTimeout(resolve, 10));
  }
}
