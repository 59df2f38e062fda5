/** The plain-text tables the benchmarks print on stdout. */

/**
 * One table row: the first cell padded on the right to its width, the others on the left
 * (numbers line up), joined by `separator`.
 */
export function tableRow(cells: Array<string | number>, widths: number[], separator = '  '): string {
  return cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join(separator);
}

/** Prints label/value rows, the labels padded to `labelWidth`. */
export function printRows(rows: Array<readonly [string, string]>, labelWidth: number): void {
  for (const [label, value] of rows) process.stdout.write(`${label.padEnd(labelWidth)} ${value}\n`);
}
