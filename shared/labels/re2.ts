/**
 * Ginkgo compiles `/regex/` labels, `--focus` and `--skip` with Go's RE2 syntax. JavaScript's
 * RegExp differs in syntax and in its errors, so patterns are checked against RE2's rules
 * (with Go's error texts) and rewritten into an equivalent JavaScript RegExp.
 *
 * Supported: literals and escapes, classes with ranges, negation and POSIX names, Perl classes,
 * `\pL`/`\p{Greek}`, `\Q...\E`, groups `(?:...)`, `(?P<name>...)`, `(?<name>...)`, flags
 * `(?i)`, `(?s)`, `(?m)` (applied to the whole pattern), repetition with `{n,m}` and lazy `?`,
 * anchors `^ $ \A \z \b \B`. Go's RE2 never backtracks; the translation keeps the same matches.
 */
export class GoRegexpError extends Error {
  constructor(code: string, expr: string) {
    super(`error parsing regexp: ${code}: \`${expr}\``);
    this.name = 'GoRegexpError';
  }
}

const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/');
const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`\\{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

function isAlnum(c: string): boolean {
  return /^[0-9A-Za-z]$/.test(c);
}

function literal(c: string, inClass: boolean): string {
  if (JS_SYNTAX.has(c) || (inClass && c === '-')) return `\\${c}`;
  return c;
}

const cache = new Map<string, RegExp>();

/** Compile a Go (RE2) pattern into a JavaScript RegExp; throws GoRegexpError like Go's regexp.Compile. */
export function compileGoRegexp(pattern: string): RegExp {
  const hit = cache.get(pattern);
  if (hit) return hit;
  const re = translate(pattern);
  if (cache.size > 1000) cache.clear();
  cache.set(pattern, re);
  return re;
}

function translate(pattern: string): RegExp {
  const s = Array.from(pattern);
  let out = '';
  const flags = new Set<string>(['u']);
  let depth = 0;
  // Whether the last item can take a repetition operator, and whether it already has one.
  let canRepeat = false;
  let lastRepeat = -1;
  let lastRepeatText = '';

  const escapeAt = (i: number, inClass: boolean): { js: string; next: number } => {
    if (i + 1 >= s.length) throw new GoRegexpError('trailing backslash at end of expression', '');
    const c = s[i + 1];
    if (c.length === 1 && c < '\x80' && !isAlnum(c))
      return { js: literal(c, inClass), next: i + 2 };
    switch (c) {
      case 'a':
        return { js: '\\x07', next: i + 2 };
      case 'f':
      case 't':
      case 'n':
      case 'r':
      case 'v':
        return { js: `\\${c}`, next: i + 2 };
      case 'd':
      case 'D':
      case 's':
      case 'S':
      case 'w':
      case 'W':
        return { js: `\\${c}`, next: i + 2 };
      case 'x': {
        if (s[i + 2] === '{') {
          const close = s.indexOf('}', i + 3);
          const hex = close < 0 ? '' : s.slice(i + 3, close).join('');
          if (close < 0 || !/^[0-9A-Fa-f]{1,6}$/.test(hex) || parseInt(hex, 16) > 0x10ffff) {
            throw new GoRegexpError(
              'invalid escape sequence',
              s.slice(i, close < 0 ? s.length : close + 1).join(''),
            );
          }
          return { js: `\\u{${hex}}`, next: close + 1 };
        }
        const hex = s.slice(i + 2, i + 4).join('');
        if (!/^[0-9A-Fa-f]{2}$/.test(hex))
          throw new GoRegexpError('invalid escape sequence', s.slice(i, i + 4).join(''));
        return { js: `\\x${hex}`, next: i + 4 };
      }
      case 'p':
      case 'P': {
        let name: string;
        let next: number;
        if (s[i + 2] === '{') {
          const close = s.indexOf('}', i + 3);
          if (close < 0)
            throw new GoRegexpError('invalid character class range', s.slice(i).join(''));
          name = s.slice(i + 3, close).join('');
          next = close + 1;
        } else {
          name = s[i + 2] ?? '';
          next = i + 3;
        }
        let neg = c === 'P';
        if (name.startsWith('^')) {
          neg = !neg;
          name = name.slice(1);
        }
        if (name === 'Any') return { js: neg ? '[^\\s\\S]' : '[\\s\\S]', next };
        const js = `\\${neg ? 'P' : 'p'}{${name}}`;
        try {
          new RegExp(js, 'u');
        } catch {
          throw new GoRegexpError('invalid character class range', s.slice(i, next).join(''));
        }
        return { js, next };
      }
      default:
        if (c >= '0' && c <= '7' && !inClass) {
          // \0 is NUL; \1-\7 are octal only with more digits (RE2 has no back-references).
          let j = i + 1;
          while (j < s.length && j < i + 4 && s[j] >= '0' && s[j] <= '7') j++;
          if (c !== '0' && j - (i + 1) < 2)
            throw new GoRegexpError('invalid escape sequence', s.slice(i, i + 2).join(''));
          return { js: `\\u{${parseInt(s.slice(i + 1, j).join(''), 8).toString(16)}}`, next: j };
        }
        if (!inClass && (c === 'A' || c === 'z' || c === 'b' || c === 'B')) {
          return { js: c === 'A' ? '^' : c === 'z' ? '$(?![\\s\\S])' : `\\${c}`, next: i + 2 };
        }
        if (!inClass && c === 'Q') {
          let j = i + 2;
          let text = '';
          for (; j < s.length; j++) {
            if (s[j] === '\\' && s[j + 1] === 'E') {
              j += 2;
              break;
            }
            text += literal(s[j], false);
          }
          return { js: text === '' ? '(?:)' : `(?:${text})`, next: j };
        }
        throw new GoRegexpError('invalid escape sequence', `\\${c}`);
    }
  };

  for (let i = 0; i < s.length;) {
    const c = s[i];
    if (c === '\\') {
      const start = i;
      const { js, next } = escapeAt(i, false);
      out += js;
      i = next;
      canRepeat = !/^[AzbB]$/.test(s[start + 1]);
      lastRepeat = -1;
      continue;
    }
    if (c === '[') {
      const start = i;
      let j = i + 1;
      let cls = '[';
      if (s[j] === '^') {
        cls += '^';
        j++;
      }
      let first = true;
      let closed = false;
      while (j < s.length) {
        const d = s[j];
        if (d === ']' && !first) {
          closed = true;
          j++;
          break;
        }
        first = false;
        if (d === '[' && s[j + 1] === ':') {
          const end = s.indexOf(']', j + 2);
          const m = end > 0 ? /^:(\^?)([a-z]+):$/.exec(s.slice(j + 1, end).join('')) : null;
          if (m) {
            const set = POSIX[m[2]];
            if (!set)
              throw new GoRegexpError(
                'invalid character class range',
                s.slice(j, end + 1).join(''),
              );
            if (m[1]) {
              // A negated POSIX name inside a class has no JavaScript range equivalent.
              throw new GoRegexpError(
                'invalid character class range',
                s.slice(j, end + 1).join(''),
              );
            }
            cls += set;
            j = end + 1;
            continue;
          }
        }
        if (d === '\\') {
          const { js, next } = escapeAt(j, true);
          cls += js;
          j = next;
          continue;
        }
        if (d === '-' && s[j + 1] !== ']' && cls.length > 1 && !cls.endsWith('[^')) {
          // A range: Go rejects ranges whose end is below their start.
          const lo = s[j - 1];
          const hi = s[j + 1];
          if (hi !== undefined && hi !== '\\' && lo !== undefined && hi < lo) {
            throw new GoRegexpError('invalid character class range', `${lo}-${hi}`);
          }
          cls += '-';
          j++;
          continue;
        }
        cls += literal(d, true);
        j++;
      }
      if (!closed) throw new GoRegexpError('missing closing ]', s.slice(start).join(''));
      out += cls + ']';
      i = j;
      canRepeat = true;
      lastRepeat = -1;
      continue;
    }
    if (c === '(') {
      if (s[i + 1] === '?') {
        const rest = s.slice(i + 2).join('');
        const named = /^P?<([A-Za-z0-9_]+)>/.exec(rest);
        if (named) {
          out += `(?<${named[1]}>`;
          i += 2 + named[0].length;
          depth++;
          canRepeat = false;
          lastRepeat = -1;
          continue;
        }
        const fl = /^(-?[imsU]+|[imsU]+-[imsU]*)?([:)])/.exec(rest);
        if (!fl || (fl[1] === undefined && fl[2] === ')')) {
          const end = rest.indexOf(')');
          throw new GoRegexpError(
            rest.startsWith('P') || rest.startsWith('<')
              ? 'invalid named capture'
              : 'missing argument to repetition operator',
            rest.startsWith('P') || rest.startsWith('<') ? `(?${rest.slice(0, end + 1)}` : '?',
          );
        }
        const [on] = (fl[1] ?? '').split('-');
        for (const f of on) if (f === 'i' || f === 's' || f === 'm') flags.add(f);
        i += 2 + fl[0].length;
        if (fl[2] === ':') {
          out += '(?:';
          depth++;
          canRepeat = false;
        } else {
          canRepeat = false;
        }
        lastRepeat = -1;
        continue;
      }
      out += '(';
      depth++;
      i++;
      canRepeat = false;
      lastRepeat = -1;
      continue;
    }
    if (c === ')') {
      if (depth === 0) throw new GoRegexpError('unexpected )', pattern);
      depth--;
      out += ')';
      i++;
      canRepeat = true;
      lastRepeat = -1;
      continue;
    }
    if (c === '*' || c === '+' || c === '?' || c === '{') {
      let op = c;
      let j = i + 1;
      if (c === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(s.slice(i).join(''));
        if (!m) {
          out += '\\{';
          i++;
          canRepeat = true;
          lastRepeat = -1;
          continue;
        }
        const lo = Number(m[1]);
        const hi = m[3] ? Number(m[3]) : lo;
        if (lo > 1000 || hi > 1000 || (m[3] && hi < lo))
          throw new GoRegexpError('invalid repeat count', m[0]);
        op = m[0];
        j = i + Array.from(m[0]).length;
      }
      if (s[j] === '?') {
        op += '?';
        j++;
      }
      if (lastRepeat >= 0)
        throw new GoRegexpError('invalid nested repetition operator', lastRepeatText + op);
      if (!canRepeat) throw new GoRegexpError('missing argument to repetition operator', op);
      out += op;
      lastRepeat = i;
      lastRepeatText = op;
      i = j;
      continue;
    }
    if (c === '|') {
      out += '|';
      i++;
      canRepeat = false;
      lastRepeat = -1;
      continue;
    }
    if (c === '^' || c === '$') {
      out += c;
      i++;
      canRepeat = false;
      lastRepeat = -1;
      continue;
    }
    out += c === '.' ? '.' : literal(c, false);
    i++;
    canRepeat = true;
    lastRepeat = -1;
  }
  if (depth > 0) throw new GoRegexpError('missing closing )', pattern);
  try {
    return new RegExp(out, [...flags].join(''));
  } catch (err) {
    throw new GoRegexpError(
      'invalid or unsupported Perl syntax',
      `${pattern} (${(err as Error).message})`,
    );
  }
}

/** A Go regexp that matches exactly `text` (regexp.QuoteMeta). */
export function quoteMeta(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}
