/** A plain-text table: columns padded to their widest cell, numbers (and figures) right-aligned. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (startsWithDigit(cell) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function startsWithDigit(cell: string): boolean {
  return /^[0-9]/.test(cell);
}

export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function formatMs(value: number): string {
  return value < 10 ? value.toFixed(1) : Math.round(value).toString();
}

export function formatRatio(value: number): string {
  return `${value.toFixed(2)}×`;
}
