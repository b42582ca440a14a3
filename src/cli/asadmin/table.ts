// asadmin's ColumnFormatter layout (shared/reference/asadmin.md §3). Written here rather than drawn with
// cli-table3: ColumnFormatter measures a value by its Java length (UTF-16 units, which is JavaScript's length)
// where cli-table3 measures display width (an emoji counts 2, a combining accent 0), and loading cli-table3
// cost every `get-…` about 2.5 ms of its start-up.

/**
 * Headings, then rows; every cell left-justified and padded to its column's width, the last one too;
 * no newline after the last row.
 *
 * ColumnFormatter makes a column as wide as its longest cell + 2, capped at 80, and prints longer cells
 * whole. The cap therefore only ever takes away the two-space gap after a value of 79 or more
 * characters (running it into the next column); we keep the gap, so the width is simply
 * longest + 2. For values of up to 78 characters the output is byte-identical to asadmin's.
 */
export function formatColumns(headings: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [headings, ...rows.map((row) => headings.map((_, column) => row[column] ?? ''))];
  const widths = headings.map((_, column) => Math.max(...lines.map((line) => line[column]!.length)) + 2);
  return lines.map((line) => line.map((cell, column) => cell.padEnd(widths[column]!)).join('')).join('\n');
}
