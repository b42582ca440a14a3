// asadmin's ColumnFormatter layout (shared/reference/asadmin.md §3), drawn with cli-table3.
import Table from 'cli-table3';

const NO_BORDERS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '',
};

/**
 * Headings, then rows; every cell left-justified and padded to its column's width, the last one too;
 * no newline after the last row.
 *
 * ColumnFormatter makes a column as wide as its longest cell + 2, capped at 80, and prints longer cells
 * whole. The cap therefore only ever takes away the two-space gap after a value of 79 or more
 * characters (running it into the next column); we keep the gap, so the width is simply
 * longest + 2, which is what cli-table3 computes from a right padding of 2. For values of up to 78
 * characters the output is byte-identical to asadmin's.
 */
export function formatColumns(headings: readonly string[], rows: readonly (readonly string[])[]): string {
  const table = new Table({
    head: [...headings],
    chars: NO_BORDERS,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 2, compact: true },
  });
  for (const row of rows) table.push(headings.map((_, column) => row[column] ?? ''));
  return table.toString();
}
