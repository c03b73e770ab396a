import { describe, expect, it } from '@jest/globals';
import { escapeCell, table, tableRow } from '../../shared/summary.js';

describe('escapeCell', () => {
  it('keeps a table cell one cell: pipes and backslashes escaped, HTML shown as text', () => {
    expect(escapeCell('a|b')).toBe('a\\|b');
    expect(escapeCell('C:\\tmp\\|x')).toBe('C:\\\\tmp\\\\\\|x');
    expect(escapeCell('<script>x</script>')).toBe('&lt;script&gt;x&lt;/script&gt;');
  });

  it('turns line ends into line breaks GitHub renders in a cell', () => {
    expect(escapeCell('one\ntwo\r\nthree')).toBe('one<br>two<br>three');
    // A lone carriage return is no line end of its own in Markdown.
    expect(escapeCell('a\rb')).toBe('a\rb');
  });

  it('gives any other value as its text, and nothing for null or undefined', () => {
    expect(escapeCell('plain text, 100%')).toBe('plain text, 100%');
    expect(escapeCell(42)).toBe('42');
    expect(escapeCell(undefined)).toBe('');
    expect(escapeCell(null)).toBe('');
  });

  it('reads every cell the same, whatever came before it', () => {
    const cells = ['a|b', 'plain', 'x\ny', 'plain', '<b>'];
    expect(cells.map(escapeCell)).toEqual(['a\\|b', 'plain', 'x<br>y', 'plain', '&lt;b&gt;']);
  });
});

describe('table', () => {
  it('is a header, a rule and one escaped row per entry, each row as tableRow gives it', () => {
    const t = table(['test', 'message'], [['a|b', 'x\ny']]);
    expect(t).toBe('| test | message |\n| --- | --- |\n| a\\|b | x<br>y |\n');
    expect(t.split('\n')[2]).toBe(tableRow(['a|b', 'x\ny']));
  });
});
