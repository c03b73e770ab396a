/**
 * Job-summary building blocks. Summaries are for people: short tables, failures first,
 * details collapsed, and always under GitHub's 1 MiB limit for a step's summary.
 */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024;

export function escapeCell(value: unknown): string {
  return String(value ?? '')
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, '<br>')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

export function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A Markdown table; cells are escaped. */
export function table(header: string[], rows: unknown[][]): string {
  const head = `| ${header.map(escapeCell).join(' | ')} |`;
  const rule = `| ${header.map(() => '---').join(' | ')} |`;
  const body = rows.map((r) => `| ${r.map(escapeCell).join(' | ')} |`);
  return [head, rule, ...body].join('\n') + '\n';
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
