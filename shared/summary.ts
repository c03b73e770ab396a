/**
 * Job-summary building blocks. Summaries are for people: short tables, failures first,
 * details collapsed, and always under GitHub's 1 MiB limit for a step's summary.
 */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024;

const CELL_SPECIAL = /\\|\||\r?\n|<|>/g;
const CELL_ESCAPE: Record<string, string> = {
  '\\': '\\\\',
  '|': '\\|',
  '\n': '<br>',
  '\r\n': '<br>',
  '<': '&lt;',
  '>': '&gt;',
};

/** A table cell: one pass, and none at all for the common cell with nothing to escape. */
export function escapeCell(value: unknown): string {
  const s = String(value ?? '');
  CELL_SPECIAL.lastIndex = 0;
  return CELL_SPECIAL.test(s) ? s.replace(CELL_SPECIAL, (m) => CELL_ESCAPE[m]) : s;
}

export function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A Markdown table; cells are escaped. */
export function table(header: string[], rows: unknown[][]): string {
  const head = tableRow(header);
  const rule = `| ${header.map(() => '---').join(' | ')} |`;
  const body = rows.map(tableRow);
  return [head, rule, ...body].join('\n') + '\n';
}

/** One row of a Markdown table, without its line end; cells are escaped. */
export function tableRow(cells: unknown[]): string {
  return `| ${cells.map(escapeCell).join(' | ')} |`;
}

/** A collapsed section. `body` is Markdown; a blank line keeps GitHub rendering it. */
export function details(summary: string, body: string, open = false): string {
  return `<details${open ? ' open' : ''}><summary>${escapeHtml(summary)}</summary>\n\n${body.trimEnd()}\n\n</details>\n`;
}

export function codeBlock(text: string, lang = ''): string {
  const fence = text.includes('```') ? '````' : '```';
  return `${fence}${lang}\n${text.replace(/\n$/, '')}\n${fence}\n`;
}

/** Cut text to at most `maxBytes` UTF-8 bytes on a line boundary, with a note saying so. */
export function trimToBytes(
  text: string,
  maxBytes: number,
  note = "\n\n_…trimmed to fit GitHub's limit._\n",
): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const room = maxBytes - Buffer.byteLength(note, 'utf8');
  let cut = Buffer.from(text, 'utf8').subarray(0, Math.max(0, room)).toString('utf8');
  cut = cut.replace(/\uFFFD$/, '');
  const nl = cut.lastIndexOf('\n');
  if (nl > room / 2) cut = cut.slice(0, nl);
  return cut + note;
}
