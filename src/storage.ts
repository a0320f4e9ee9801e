/**
 * Web Storage that never throws: storage may be blocked (a SecurityError where the user refuses site
 * data), full (a QuotaExceededError) or absent; then reads find nothing and writes keep nothing.
 * `storage` is asked at each call, so the choice of storage (or a test's stand-in) may change.
 */
export function tolerantStorage(storage: () => Storage | undefined) {
  const attempt = <T>(run: () => T): T | undefined => {
    try {
      return run();
    } catch {
      return undefined;
    }
  };
  return {
    get: (key: string): string | undefined => attempt(() => storage()?.getItem(key)) ?? undefined,
    set: (key: string, value: string): void => void attempt(() => storage()?.setItem(key, value)),
    remove: (key: string): void => void attempt(() => storage()?.removeItem(key)),
  };
}
