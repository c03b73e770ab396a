/**
 * Everything a report says is text, never Markdown: a failure message holding ``` must not
 * close its code block, a test named "@team fix #12" must not notify anyone or link an issue,
 * and HTML must show as written. The job summary, the check run and the comment all go
 * through these.
 */

// Zero-width space, written as a reference: GitHub no longer sees a mention or a reference.
const ZWSP = '&#8203;';

const ENTITY: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '*': '&#42;',
  _: '&#95;',
  '[': '&#91;',
  ']': '&#93;',
  '`': '&#96;',
  '~': '&#126;',
};

// What a mention or a reference starts with: the zero-width space goes right after it.
const REFERENCE = String.raw`@(?=[A-Za-z0-9])|#(?=\d)|\bGH-(?=\d)`;
// One pass each: the references a pass inserts are never looked at again.
const MARKDOWN = new RegExp(`[&<>"*_[\\]\`~]|${REFERENCE}`, 'gi');
const HTML = new RegExp(`[&<>"]|${REFERENCE}`, 'gi');

const replace = (m: string) => ENTITY[m] ?? `${m}${ZWSP}`;

/**
 * Text for Markdown (paragraphs and table cells): HTML and Markdown characters become
 * references, @mentions and #123/GH-123 references are broken. Table cells still need
 * escapeCell (pipes and newlines), which leaves references alone.
 */
export function text(value: unknown): string {
  return String(value ?? '').replace(MARKDOWN, replace);
}

/** Text inside an HTML element (a <summary>): HTML escaped, mentions broken. */
export function htmlText(value: string): string {
  return value.replace(HTML, replace);
}

/** A fenced code block whose fence is longer than any run of backticks in the text. */
export function fenced(value: string, lang = ''): string {
  let longest = 0;
  for (const m of value.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${value.replace(/\n$/, '')}\n${fence}\n`;
}

/** A collapsed section whose title is report text. */
export function collapsed(title: string, body: string): string {
  return `<details><summary>${htmlText(title)}</summary>\n\n${body.trimEnd()}\n\n</details>\n`;
}

/**
 * Markdown cut to at most `maxBytes` UTF-8 bytes on a line boundary, with a note saying so.
 * A cut inside a code block or a collapsed section closes them first, so the note is read as
 * a note and nothing after the cut is swallowed.
 */
export function trimMarkdown(
  markdown: string,
  maxBytes: number,
  note = "_…trimmed to fit GitHub's limit._",
): string {
  if (Buffer.byteLength(markdown, 'utf8') <= maxBytes) return markdown;
  // Room for the closers: a fence of at most 64 backticks and a few </details>.
  const room = Math.max(0, maxBytes - Buffer.byteLength(note, 'utf8') - 256);
  let cut = Buffer.from(markdown, 'utf8').subarray(0, room).toString('utf8');
  cut = cut.replace(/\uFFFD$/, '');
  const nl = cut.lastIndexOf('\n');
  cut = nl >= 0 ? cut.slice(0, nl) : '';
  let fence = '';
  let open = 0;
  for (const line of cut.split('\n')) {
    const m = /^(`{3,})/.exec(line);
    if (fence) {
      if (m && m[1].length >= fence.length && line.trim() === m[1]) fence = '';
      continue;
    }
    if (m) fence = m[1];
    else if (line.startsWith('<details')) open++;
    else if (line.startsWith('</details>')) open = Math.max(0, open - 1);
  }
  const close = [fence, ...Array.from({ length: Math.min(open, 8) }, () => '\n</details>')];
  return `${cut}\n${close.filter(Boolean).join('\n')}\n\n${note}\n`;
}
