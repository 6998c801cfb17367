/**
 * Date and time elements. DE 7 is in GMT by definition; Hutong has no terminal-local time
 * for card-not-present payments, so DE 12/13 carry UTC too.
 */
function two(value: number): string {
  return String(value).padStart(2, '0');
}

/** DE 7, MMDDhhmmss in UTC. Milliseconds are dropped: the element has a resolution of one second. */
export function formatTransmissionDateTime(at: Date): string {
  return `${two(at.getUTCMonth() + 1)}${two(at.getUTCDate())}${formatLocalTime(at)}`;
}

/** DE 12, hhmmss. */
export function formatLocalTime(at: Date): string {
  return `${two(at.getUTCHours())}${two(at.getUTCMinutes())}${two(at.getUTCSeconds())}`;
}

/** DE 13, MMDD. */
export function formatLocalDate(at: Date): string {
  return `${two(at.getUTCMonth() + 1)}${two(at.getUTCDate())}`;
}

/** YYMM of a date, comparable as text with DE 14 within one century. */
export function formatYymm(at: Date): string {
  return `${two(at.getUTCFullYear() % 100)}${two(at.getUTCMonth() + 1)}`;
}
