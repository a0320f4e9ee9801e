// Paging over rows kept in (created_at, insertion) order, shared by the stores that page in JavaScript.
import { InvalidCursorError } from '../store.js';
import type { Page, SortOrder } from '../types.js';

/** Up to `limit` of `rows` (ascending) after the one whose id is `after`, in `order`; `has_more` and `after` set when more follow. */
export function pageOf<T>(rows: readonly T[], idOf: (row: T) => string, limit: number, after: string | undefined, order: SortOrder): Page<T> {
  const ordered = order === 'asc' ? rows : [...rows].reverse();
  let start = 0;
  if (after !== undefined) {
    const index = ordered.findIndex(row => idOf(row) === after);
    if (index === -1) throw new InvalidCursorError(`No row ${after} on this list`);
    start = index + 1;
  }
  return toPage(ordered.slice(start, start + limit + 1), idOf, limit);
}

/** The page for `rows` read with a limit one above the page size (the extra one says there is more). */
export function toPage<T>(rows: T[], idOf: (row: T) => string, limit: number): Page<T> {
  if (rows.length <= limit) return { data: rows, has_more: false };
  const data = rows.slice(0, limit);
  const last = data.at(-1);
  return last === undefined ? { data, has_more: true } : { data, has_more: true, after: idOf(last) };
}
