/** Job-summary Markdown made readable in a terminal: HTML tags dropped, details shown. */
export function renderMarkdown(md: string, indent = ''): string {
  return md
    .replace(/<details[^>]*>\s*<summary>(.*?)<\/summary>/g, '▸ $1')
    .replace(/<\/details>/g, '')
    .replace(/<br\s*\/?>/g, ' ')
    .replace(/<\/?(b|strong|code|sub|sup|em|i|p|div|span)[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .split('\n')
    .filter((line, i, all) => line.trim() !== '' || (i > 0 && all[i - 1].trim() !== ''))
    .map((line) => indent + line)
    .join('\n');
}
