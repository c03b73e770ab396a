import { quoteMeta } from '../../shared/labels/re2.js';

/**
 * The alternation of `texts` with their common prefixes factored out, a trie written as a
 * regex: `a(?:b|c(?:d|e))` for `ab`, `acd` and `ace`. It matches exactly the same strings as
 * `ab|acd|ace`, in RE2 (Go) and JavaScript alike, and names of one suite share long prefixes
 * (the suite, the containers' texts), so it is often a fraction of the plain list's length.
 * Line breaks are written `\n`, so the pattern fits on one line of a file.
 */
export function trieAlternation(texts: readonly string[]): string {
  const sorted = [...new Set(texts)].sort();
  if (sorted.length === 0) return '';
  return node(sorted, 0, sorted.length, 0);
}

function literal(text: string): string {
  return quoteMeta(text).replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** Never split a UTF-16 surrogate pair: the pattern is made of whole characters. */
function whole(text: string, at: number): number {
  const c = text.charCodeAt(at - 1);
  return at > 0 && c >= 0xd800 && c <= 0xdbff ? at - 1 : at;
}

/** Characters of `s` (from `depth` on) that `t` shares with it. */
function common(s: string, t: string, depth: number): number {
  const n = Math.min(s.length, t.length);
  let i = depth;
  while (i < n && s.charCodeAt(i) === t.charCodeAt(i)) i++;
  return whole(s, i);
}

/** The strings `sorted[lo..hi)`, which all share their first `depth` characters. */
function node(sorted: readonly string[], lo: number, hi: number, depth: number): string {
  // Sorted: the range's common prefix is that of its first and last string.
  const p = hi - lo === 1 ? sorted[lo].length : common(sorted[lo], sorted[hi - 1], depth);
  const head = literal(sorted[lo].slice(depth, p));
  if (hi - lo === 1) return head;
  let i = lo;
  // The prefix itself is one of the strings: it sorts first.
  const ends = sorted[i].length === p;
  if (ends) i++;
  const branches: string[] = [];
  while (i < hi) {
    const step = whole(sorted[i], p + 1) === p ? 2 : 1;
    const next = sorted[i].slice(p, p + step);
    let j = i + 1;
    while (j < hi && sorted[j].startsWith(next, p)) j++;
    branches.push(node(sorted, i, j, p));
    i = j;
  }
  const body = branches.length === 1 && !ends ? branches[0] : `(?:${branches.join('|')})`;
  return ends ? `${head}${body}?` : `${head}${body}`;
}
