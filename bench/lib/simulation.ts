// A deterministic discrete-event world for the refresh benchmark: one simulated clock, tabs that fall
// asleep (their timers and messages wait until they wake, as in a frozen background tab), Web Locks +
// BroadcastChannel between tabs in memory, and a Better Auth /token endpoint that mints JWTs on the
// server's clock. Promise chains between events are drained on the real event loop (setImmediate),
// so the real TokenSource runs unchanged on top of it.
import type { PeerMessage, TokenPeers } from '../../src/cross-tab.js';
import type { Clock } from '../../src/token-source.js';
import type { WakeReason, WakeSource } from '../../src/wake-ups.js';

interface SimEvent {
  at: number;
  seq: number;
  /** The tab the event runs in (null: the server / the world, which never sleep). */
  tab: Tab | null;
  run: () => void;
  cancelled: boolean;
  /** A timer (setTimeout) rather than another task (a message, a network answer, a lock grant). */
  timer: boolean;
}

/** Order in which a waking tab handles what piled up: its overdue timers and messages, and `visible`. */
export type WakeOrder = 'queued-first' | 'wake-first';

/**
 * What stops while a tab sleeps: `frozen`, every task of the tab (timers, messages from other tabs,
 * network answers) waits until it wakes, as in a frozen background tab; `timers`, only its timers
 * wait (a hidden tab whose timers are throttled away, still handling messages and answers).
 */
export type SleepKind = 'frozen' | 'timers';

export class Tab {
  asleep = false;
  /** Events that came due while asleep, in the order they came due. */
  deferred: SimEvent[] = [];
  readonly wakeListeners = new Set<(reason: WakeReason) => void>();
  readonly peerListeners = new Set<(message: PeerMessage) => void>();
  /** Milliseconds asleep so far. */
  sleptMs = 0;
  sleptSince = 0;

  constructor(
    readonly sim: Simulation,
    readonly id: number,
    /** The device clock's offset from the server's (ms). */
    readonly skewMs: number,
  ) {}

  /** The Clock seam of TokenSource: local time, timers that wait while the tab sleeps. */
  readonly clock: Clock = {
    now: () => this.sim.now + this.skewMs,
    setTimeout: (callback, ms) => this.sim.schedule(this, this.sim.now + Math.max(0, ms), callback, true),
    clearTimeout: handle => this.sim.cancel(handle as SimEvent | undefined),
  };

  /** The wake-up seam: `visible` when the tab wakes. */
  readonly wakeUps: WakeSource = onWake => {
    this.wakeListeners.add(onWake);
    return () => this.wakeListeners.delete(onWake);
  };
}

export class Simulation {
  now = 0;
  #seq = 0;
  #heap: SimEvent[] = [];
  readonly tabs: Tab[] = [];
  /** Events processed (for the report). */
  processed = 0;

  constructor(
    readonly wakeOrder: WakeOrder = 'queued-first',
    readonly sleepKind: SleepKind = 'frozen',
  ) {}

  addTab(skewMs: number): Tab {
    const tab = new Tab(this, this.tabs.length + 1, skewMs);
    this.tabs.push(tab);
    return tab;
  }

  schedule(tab: Tab | null, at: number, run: () => void, timer = false): SimEvent {
    const event: SimEvent = { at: Math.max(at, this.now), seq: this.#seq++, tab, run, cancelled: false, timer };
    this.#push(event);
    return event;
  }

  cancel(event: SimEvent | undefined): void {
    if (event) event.cancelled = true;
  }

  /** Puts `tab` to sleep from `from` to `to` (the world's events, scheduled now). */
  sleep(tab: Tab, from: number, to: number): void {
    this.schedule(null, from, () => {
      tab.asleep = true;
      tab.sleptSince = this.now;
    });
    this.schedule(null, to, () => this.#wake(tab));
  }

  #wake(tab: Tab): void {
    tab.asleep = false;
    tab.sleptMs += this.now - tab.sleptSince;
    const deferred = tab.deferred;
    tab.deferred = [];
    const fireWake = () => this.schedule(tab, this.now, () => tab.wakeListeners.forEach(listener => listener('visible')));
    if (this.wakeOrder === 'wake-first') fireWake();
    for (const event of deferred) if (!event.cancelled) this.#requeue(event);
    if (this.wakeOrder === 'queued-first') fireWake();
  }

  /** Back in the queue, due now, behind what is already due: the same object, so clearTimeout still finds it. */
  #requeue(event: SimEvent): void {
    event.at = this.now;
    event.seq = this.#seq++;
    this.#push(event);
  }

  /** Runs every event up to `end` (simulated ms), draining promise chains after each. */
  async runUntil(end: number): Promise<void> {
    for (;;) {
      const event = this.#heap[0];
      if (!event || event.at > end) break;
      this.#pop();
      if (event.cancelled) continue;
      if (event.tab?.asleep && (event.timer || this.sleepKind === 'frozen')) {
        event.tab.deferred.push(event);
        continue;
      }
      this.now = event.at;
      this.processed++;
      event.run();
      await drain();
    }
    this.now = end;
  }

  #push(event: SimEvent): void {
    const heap = this.#heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
      i = smallest;
    }
  }
}

const before = (a: SimEvent, b: SimEvent) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/** Lets every pending promise reaction run (they are all microtasks: no real I/O happens here). */
const drain = () => new Promise<void>(resolve => setImmediate(resolve));

/**
 * Same-origin tabs in memory, behaving like browserPeers (Web Locks `ifAvailable` + BroadcastChannel):
 * the lock is held while `work` runs (also while its tab sleeps); `ifIdle` resolves undefined at once
 * when another tab holds it; an announcement reaches every OTHER listening tab as a task of its own
 * (a sleeping tab gets it when it wakes), never the sender.
 */
export class PeerHub {
  #holder: Tab | undefined;
  readonly #members = new Set<Tab>();
  /** Times `ifIdle` found the lock taken. */
  contended = 0;

  constructor(
    readonly sim: Simulation,
    /**
     * `task`: the lock callback runs as a task of its own, as the Web Locks spec has it (queued on
     * the web locks task source), behind what is already queued for the tab; `microtask`: it runs
     * at once, ahead of anything queued (the worst order a browser could pick).
     */
    readonly lockGrant: 'task' | 'microtask' = 'task',
  ) {}

  peersFor(tab: Tab): TokenPeers {
    return {
      ifIdle: work => {
        if (this.#holder) {
          this.contended++;
          return Promise.resolve(undefined);
        }
        // Granted now; the callback runs as a task of its own (behind anything already queued for
        // the tab, such as another tab's announcement), and the lock is held until its work settles.
        this.#holder = tab;
        return new Promise((resolve, reject) => {
          const granted = () => {
            work()
              .finally(() => (this.#holder = undefined))
              .then(resolve, reject);
          };
          if (this.lockGrant === 'task') this.sim.schedule(tab, this.sim.now, granted);
          else queueMicrotask(granted);
        });
      },
      announce: message => {
        for (const other of this.#members) {
          if (other === tab) continue;
          const copy = structuredClone(message);
          this.sim.schedule(other, this.sim.now + 1, () => other.peerListeners.forEach(listener => listener(copy)));
        }
      },
      listen: onMessage => {
        this.#members.add(tab);
        tab.peerListeners.add(onMessage);
        return () => {
          tab.peerListeners.delete(onMessage);
          if (tab.peerListeners.size === 0) this.#members.delete(tab);
        };
      },
    };
  }
}
