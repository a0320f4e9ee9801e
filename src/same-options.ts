/**
 * Whether two `chatkitOptions` values say the same: plain objects and arrays by content, anything
 * else (functions, dates, class instances) by identity. A framework re-rendering an inline
 * `chatkitOptions={{ ... }}` makes a new but equal object each time, and ChatKit's `setOptions`
 * replaces everything (it reloads the frame's settings), so an equal object must not call it again.
 */
export function sameOptions(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (!plain(a) || !plain(b) || Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every(key => Object.hasOwn(b, key) && sameOptions(a[key], b[key]));
}

function plain(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return Array.isArray(value) || proto === Object.prototype || proto === null;
}
