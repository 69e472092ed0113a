/**
 * Plain-text tables for terminals and CI logs: fixed-width columns, optional ANSI styling applied after padding
 * (so escape codes never break alignment), and a first column that truncates to fit the width.
 */

export type Style = 'bold' | 'dim' | 'green' | 'red' | 'yellow' | 'cyan';

export interface StyledText {
  text: string;
  style?: Style;
}

export type Cell = string | StyledText;

export interface Column {
  header: string;
  align?: 'left' | 'right';
}

const ANSI: Record<Style, [string, string]> = {
  bold: ['\u001b[1m', '\u001b[22m'],
  dim: ['\u001b[2m', '\u001b[22m'],
  green: ['\u001b[32m', '\u001b[39m'],
  red: ['\u001b[31m', '\u001b[39m'],
  yellow: ['\u001b[33m', '\u001b[39m'],
  cyan: ['\u001b[36m', '\u001b[39m'],
};

export function paint(text: string, style: Style | undefined, color: boolean): string {
  if (!color || !style) return text;
  const [open, close] = ANSI[style];
  return `${open}${text}${close}`;
}

function textOf(cell: Cell): string {
  return typeof cell === 'string' ? cell : cell.text;
}

function styleOf(cell: Cell): Style | undefined {
  return typeof cell === 'string' ? undefined : cell.style;
}

/** Display width: code points (the tables use no wide characters). */
function widthOf(s: string): number {
  return [...s].length;
}

function truncate(s: string, width: number): string {
  const chars = [...s];
  if (chars.length <= width) return s;
  if (width <= 1) return chars.slice(0, width).join('');
  return `${chars.slice(0, width - 1).join('')}…`;
}

function pad(s: string, width: number, align: 'left' | 'right'): string {
  const gap = Math.max(0, width - widthOf(s));
  return align === 'right' ? ' '.repeat(gap) + s : s + ' '.repeat(gap);
}

/**
 * Renders rows under a header. A row of one cell is a group heading spanning the table. `maxWidth` shrinks
 * the first column (never below 12 characters) when the table would not fit.
 */
export function renderTable(columns: readonly Column[], rows: readonly Cell[][], opts: { color: boolean; maxWidth: number; indent?: string }): string {
  const indent = opts.indent ?? '';
  const gap = 2;
  const widths = columns.map((c, i) =>
    Math.max(widthOf(c.header), ...rows.filter((r) => r.length > 1).map((r) => widthOf(textOf(r[i] ?? '')))),
  );
  const total = widths.reduce((s, w) => s + w, 0) + gap * (columns.length - 1) + indent.length;
  if (total > opts.maxWidth && widths.length > 0) widths[0] = Math.max(12, widths[0]! - (total - opts.maxWidth));

  const line = (cells: readonly Cell[], header: boolean): string =>
    indent +
    cells
      .map((cell, i) => {
        const align = columns[i]?.align ?? (i === 0 ? 'left' : 'right');
        const padded = pad(truncate(textOf(cell), widths[i]!), widths[i]!, align);
        return paint(padded, header ? 'bold' : styleOf(cell), opts.color);
      })
      .join(' '.repeat(gap))
      .trimEnd();

  const out = [line(columns.map((c) => c.header), true)];
  for (const row of rows) {
    if (row.length === 1) {
      const cell = row[0]!;
      out.push(indent + paint(truncate(textOf(cell), opts.maxWidth - indent.length), styleOf(cell), opts.color));
    } else {
      out.push(line(row, false));
    }
  }
  return out.join('\n');
}
