import { describe, expect, it } from 'vitest';
import { formatColumns } from '../../../../src/cli/asadmin/table.js';

const HEADINGS = ['Enabled', 'Room Name', 'Token'];

/** ColumnFormatter as asadmin.md §3 describes it, for values that fit under the cap. */
function columnFormatter(headings: string[], rows: string[][]): string {
  const widths = headings.map((heading, column) => Math.min(80, Math.max(heading.length, ...rows.map((row) => row[column]!.length)) + 2));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('');
  return [line(headings), ...rows.map(line)].join('\n');
}

describe("asadmin's ColumnFormatter layout", () => {
  it('reproduces the reference example byte for byte', () => {
    const token = 'x'.repeat(40);
    expect(formatColumns(HEADINGS, [['true', 'payara-notifications', token]])).toBe(
      'Enabled  Room Name             Token                                     \n' + `true     payara-notifications  ${token}  `,
    );
  });

  it.each([1, 78])('matches ColumnFormatter for a %i-character value', (width) => {
    const rows = [['false', 'r'.repeat(width), 't'.repeat(width)]];
    expect(formatColumns(HEADINGS, rows)).toBe(columnFormatter(HEADINGS, rows));
  });

  it('pads a 1-character value to its heading width + 2', () => {
    expect(formatColumns(HEADINGS, [['true', 'r', 't']])).toBe('Enabled  Room Name  Token  \ntrue     r          t      ');
  });

  it.each([79, 120])('keeps two spaces after a %i-character value, where asadmin lets it run into the next column', (width) => {
    const room = 'r'.repeat(width);
    const lines = formatColumns(HEADINGS, [['true', room, 'tok']]).split('\n');
    expect(lines[1]).toBe(`true     ${room}  tok    `);
    expect(lines[0]).toBe(`Enabled  ${'Room Name'.padEnd(width + 2)}Token  `);
  });

  it('prints a missing value as empty and ends without a newline', () => {
    const table = formatColumns(HEADINGS, [['true', '', '']]);
    expect(table).toBe(`Enabled  Room Name  Token  \n${'true'.padEnd(9)}${' '.repeat(11)}${' '.repeat(7)}`);
    expect(table.endsWith('\n')).toBe(false);
  });
});

describe("ColumnFormatter's lengths are Java's (UTF-16 units), not display widths", () => {
  it.each([
    ['an emoji (2 units, 2 columns wide)', 'ops 🚀'],
    ['a CJK room (1 unit, 2 columns wide each)', '運用チーム'],
    ['a combining accent (1 unit, 0 columns wide)', 'cafe\u0301'],
  ])('pads %s by its length', (_, room) => {
    const rows = [['true', room, 'tok']];
    expect(formatColumns(HEADINGS, rows)).toBe(columnFormatter(HEADINGS, rows));
  });
});
