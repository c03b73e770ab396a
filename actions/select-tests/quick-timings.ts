import { fileText } from '../../shared/junit/file-text.js';

/**
 * A tokenizer for plain JUnit XML alone, to read the timings of a large suite: each
 * testcase's name, classname and time, in one pass. Hand-written rather than saxes for speed:
 * its sticky regular expressions run as native code from their first use and it makes no
 * object per tag, where a saxes pass, per character in JavaScript, takes twice as long.
 *
 * It accepts a strict subset of XML 1.0 and nothing else: start and end tags with ASCII names
 * (matched on a stack), quoted attributes (once each), text whose `&` starts one of the five
 * predefined entities or a character reference, comments, CDATA, an XML declaration of
 * version 1.0 at the start, a JUnit root, and only characters XML allows. Anything else (a
 * DOCTYPE, a processing instruction, a cut file...) makes it answer false; the caller then
 * reads the report with the full reader, which handles it or says what is wrong. What it
 * accepts it reads as saxes does: values with their references decoded, and each tab or line
 * break in them a space.
 */
export type CaseSink = (name: string, classname: string, time: string | undefined) => void;

const JUNIT_ROOTS = new Set(['testsuites', 'testsuite', 'testrun']);

const NAME = '[A-Za-z_:][-A-Za-z0-9_.:]*';
const S = '[ \\t\\r\\n]';
/** Characters XML forbids: C0 controls but tab and line breaks, U+FFFE, U+FFFF (and lone surrogates). */
const FORBIDDEN = '\\0-\\x08\\x0B\\x0C\\x0E-\\x1F\\uFFFE\\uFFFF';
/**
 * The expressions that run over most of the text leave out every surrogate: without the `u`
 * flag they run twice as fast, and the rare pair is then looked at apart.
 */
const SURROGATES = '\\uD800-\\uDFFF';
const startTag = (notInValue: string, flags: string) =>
  new RegExp(
    `<${NAME}(?:${S}+${NAME}${S}*=${S}*(?:"[^"<${notInValue}]*"|'[^'<${notInValue}]*'))*${S}*\\/?>`,
    flags,
  );
/**
 * A start tag with all its attributes, as usual: no value holds `&`, a tab, a line break or
 * a surrogate, so each is its text as written.
 */
const PLAIN_START_TAG = startTag(`&\\0-\\x1F\\uFFFE\\uFFFF${SURROGATES}`, 'y');
/** Any start tag: no value holds `<` or a character XML forbids (`u`: a lone surrogate). */
const START_TAG = startTag(`${FORBIDDEN}${SURROGATES}`, 'uy');
const END_TAG = new RegExp(`</${NAME}${S}*>`, 'y');
/** saxes takes other 1.x versions as XML 1.1, whose characters and line breaks differ. */
const XML_DECL = new RegExp(
  `<\\?xml${S}+version${S}*=${S}*(?:"1\\.0"|'1\\.0')` +
    `(?:${S}+encoding${S}*=${S}*(?:"[A-Za-z][A-Za-z0-9._-]*"|'[A-Za-z][A-Za-z0-9._-]*'))?` +
    `(?:${S}+standalone${S}*=${S}*(?:"(?:yes|no)"|'(?:yes|no)'))?${S}*\\?>`,
  'y',
);
const SPACES = new RegExp(`${S}*`, 'y');
/** Characters XML allows but surrogates, as many as there are. */
const CHARS = new RegExp(`[^${FORBIDDEN}${SURROGATES}]*`, 'y');
/** ...and but `&`, `<` and `]`: text holds them only in a reference, not at all, not in `]]>`. */
const TEXT_CHARS = new RegExp(`[^&<\\]${FORBIDDEN}${SURROGATES}]*`, 'y');
/** The references saxes resolves; longer digit runs are valid XML too, but not plain here. */
const REFERENCE = /&(?:(amp)|(lt)|(gt)|(quot)|(apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));/y;
const ENTITY_TEXT = ['&', '<', '>', '"', "'"];
/** The longest reference REFERENCE accepts: an `&` further from the end is none. */
const LONGEST_REFERENCE = 11;
const VALUE_SPECIAL = /[\t\n\r&]/;
const VALUE_SPACES = /\r\n?|[\t\n]/g;
/** A tag cut by a chunk's end is kept for the next chunk: this long at most. */
const LONGEST_CARRY = 4 * 1024 * 1024;

// What the scanner is inside of, between chunks.
const TEXT = 0;
const COMMENT = 1;
const CDATA = 2;

// token()'s answers besides an offset.
const KEEP = -1;
const FAIL = -2;

function isXmlChar(code: number): boolean {
  return code < 0xd800
    ? code >= 0x20 || code === 0x9 || code === 0xa || code === 0xd
    : (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
}

/** The text of the reference at `at`, or undefined when there is none saxes would take. */
function reference(s: string, at: number): string | undefined {
  REFERENCE.lastIndex = at;
  const m = REFERENCE.exec(s);
  if (!m) return undefined;
  for (let g = 1; g <= 5; g++) if (m[g] !== undefined) return ENTITY_TEXT[g - 1];
  const code = m[6] !== undefined ? parseInt(m[6], 10) : parseInt(m[7], 16);
  return isXmlChar(code) ? String.fromCodePoint(code) : undefined;
}

const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/** A high surrogate at `i` and a low one after it. */
function isPair(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff && isLowSurrogate(s.charCodeAt(i + 1));
}

/** Whether `s` from `from` to `to` holds only characters XML allows. */
function allowed(s: string, from: number, to: number): boolean {
  let i = from;
  for (;;) {
    CHARS.lastIndex = i;
    CHARS.test(s);
    i = CHARS.lastIndex;
    if (i >= to) return true;
    if (!isPair(s, i)) return false;
    i += 2;
  }
}

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;

/** [-A-Za-z0-9_.:], the rest of a name. */
function isNameChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x2d && c <= 0x3a && c !== 0x2f) ||
    c === 0x5f
  );
}

/**
 * Feed it the report's text in chunks of any size; write() returns false once the report is
 * not plain, and end() says whether all of it was. Testcases are handed over as their start
 * tags are read, before the end is known: a caller that gets false drops them.
 */
export class PlainJUnitScanner {
  private carry = '';
  private mode = TEXT;
  private readonly open: string[] = [];
  private sawRoot = false;
  private closedRoot = false;
  private begun = false;
  /** A high surrogate that ended a chunk, waiting for its pair. */
  private held = '';
  /** Nothing of the document read yet: only here may the XML declaration come. */
  private atStart = true;
  private failed = false;
  private s = '';
  /** Attribute name offsets of the current tag, to find one given twice. */
  private names = new Int32Array(32);

  constructor(private readonly onCase: CaseSink) {}

  write(chunk: string): boolean {
    if (this.failed) return false;
    let text = this.held + chunk;
    this.held = '';
    const last = text.charCodeAt(text.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      this.held = text.slice(-1);
      text = text.slice(0, -1);
    }
    if (text.length === 0) return true;
    if (!this.begun) {
      this.begun = true;
      // saxes skips a byte order mark that opens the document.
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    return this.scan(this.carry + text, false);
  }

  end(): boolean {
    if (this.failed || this.held) return this.fail();
    if (this.carry && !this.scan(this.carry, true)) return false;
    return this.sawRoot && this.closedRoot && this.mode === TEXT && this.carry === '';
  }

  private fail(): false {
    this.failed = true;
    this.carry = '';
    return false;
  }

  /** Reads `s` as far as it can; what the chunk's end may have cut is carried. */
  private scan(s: string, final: boolean): boolean {
    this.s = s;
    this.carry = '';
    const len = s.length;
    let pos = 0;
    for (;;) {
      if (this.mode !== TEXT) {
        // A comment ends at its first `--`, which must be `-->`; CDATA at `]]>`.
        const comment = this.mode === COMMENT;
        const end = s.indexOf(comment ? '--' : ']]>', pos);
        if (!allowed(s, pos, end < 0 ? len : end)) return this.fail();
        if (end < 0 || (comment && end + 2 >= len)) {
          if (final) return this.fail();
          // The end may begin with the chunk's last characters (a pair is not cut in two).
          let from = end >= 0 ? end : Math.max(pos, len - (comment ? 1 : 2));
          if (from > pos && isLowSurrogate(s.charCodeAt(from))) from--;
          return this.keep(from);
        }
        if (comment && s.charCodeAt(end + 2) !== 0x3e /* > */) return this.fail();
        pos = end + 3;
        this.mode = TEXT;
        continue;
      }
      const lt = s.indexOf('<', pos);
      if (lt < 0) return this.textToEnd(pos, final);
      if (lt > pos) {
        if (!this.text(pos, lt)) return this.fail();
        this.atStart = false;
      }
      const next = this.token(lt, final);
      if (next < 0) return next === KEEP ? this.keep(lt) : this.fail();
      this.atStart = false;
      pos = next;
    }
  }

  private keep(from: number): boolean {
    if (this.s.length - from > LONGEST_CARRY) return this.fail();
    this.carry = this.s.slice(from);
    return true;
  }

  /** Text up to the chunk's end: all of it but a reference or `]]` that the end may cut. */
  private textToEnd(pos: number, final: boolean): boolean {
    const s = this.s;
    const len = s.length;
    let end = len;
    if (!final) {
      const amp = s.lastIndexOf('&');
      if (amp >= pos && s.indexOf(';', amp) < 0) {
        if (len - amp > LONGEST_REFERENCE) return this.fail();
        end = amp;
      }
      while (end > pos && len - end < 2 && s.charCodeAt(end - 1) === 0x5d /* ] */) end--;
    }
    if (end > pos) {
      if (!this.text(pos, end)) return this.fail();
      this.atStart = false;
    }
    return end < len ? this.keep(end) : true;
  }

  /** Character data: spaces alone outside the root; inside, `&` only in references, no `]]>`. */
  private text(from: number, to: number): boolean {
    const s = this.s;
    if (this.open.length === 0) {
      SPACES.lastIndex = from;
      SPACES.test(s);
      return SPACES.lastIndex >= to;
    }
    let i = from;
    for (;;) {
      TEXT_CHARS.lastIndex = i;
      TEXT_CHARS.test(s);
      i = TEXT_CHARS.lastIndex;
      if (i >= to) return true;
      const c = s.charCodeAt(i);
      if (c === 0x26 /* & */) {
        if (reference(s, i) === undefined) return false;
        i = REFERENCE.lastIndex;
      } else if (c === 0x5d /* ] */) {
        if (s.startsWith(']]>', i)) return false;
        i++;
      } else if (isPair(s, i)) i += 2;
      else return false;
    }
  }

  /** The token at `lt`: the offset past it, KEEP when the chunk's end may have cut it, or FAIL. */
  private token(lt: number, final: boolean): number {
    const s = this.s;
    const c = s.charCodeAt(lt + 1);
    if (c === 0x2f /* / */) {
      END_TAG.lastIndex = lt;
      if (!END_TAG.test(s)) return this.cut(lt, final);
      const name = this.open.pop();
      if (name === undefined || !s.startsWith(name, lt + 2)) return FAIL;
      if (isNameChar(s.charCodeAt(lt + 2 + name.length))) return FAIL;
      if (this.open.length === 0) this.closedRoot = true;
      return END_TAG.lastIndex;
    }
    if (c === 0x21 /* ! */) {
      if (s.startsWith('<!--', lt)) {
        this.mode = COMMENT;
        return lt + 4;
      }
      if (s.startsWith('<![CDATA[', lt)) {
        if (this.open.length === 0) return FAIL;
        this.mode = CDATA;
        return lt + 9;
      }
      const rest = s.slice(lt);
      return !final && ('<![CDATA['.startsWith(rest) || '<!--'.startsWith(rest)) ? KEEP : FAIL;
    }
    if (c === 0x3f /* ? */) {
      if (!this.atStart) return FAIL;
      XML_DECL.lastIndex = lt;
      return XML_DECL.test(s) ? XML_DECL.lastIndex : this.cut(lt, final);
    }
    if (lt + 1 >= s.length) return final ? FAIL : KEEP;
    PLAIN_START_TAG.lastIndex = lt;
    const plain = PLAIN_START_TAG.test(s);
    let end = PLAIN_START_TAG.lastIndex;
    if (!plain) {
      START_TAG.lastIndex = lt;
      if (!START_TAG.test(s)) return this.cut(lt, final);
      end = START_TAG.lastIndex;
    }
    if (this.closedRoot) return FAIL;
    let nameEnd = lt + 2;
    while (isNameChar(s.charCodeAt(nameEnd))) nameEnd++;
    if (!this.sawRoot) {
      if (!JUNIT_ROOTS.has(s.slice(lt + 1, nameEnd))) return FAIL;
      this.sawRoot = true;
    }
    const selfClosing = s.charCodeAt(end - 2) === 0x2f; /* / */
    const testcase =
      nameEnd - lt === 9 && s.charCodeAt(lt + 1) === 0x74 /* t */ && wordAt(s, lt + 1, 'testcase');
    if (!this.attributes(nameEnd, selfClosing ? end - 2 : end - 1, testcase, plain)) return FAIL;
    if (!selfClosing) this.open.push(s.slice(lt + 1, nameEnd));
    else if (this.open.length === 0) this.closedRoot = true;
    return end;
  }

  /**
   * A tag the expressions did not match: cut by the chunk's end, or not plain. A whole tag
   * holds no `<`: with another one after it, this one is not plain.
   */
  private cut(lt: number, final: boolean): number {
    return final || this.s.indexOf('<', lt + 1) >= 0 ? FAIL : KEEP;
  }

  /**
   * The attributes of a start tag the expressions matched, from its name's end to its `>` or
   * `/>`: each name once, each reference valid; a testcase's are handed over.
   */
  private attributes(from: number, to: number, testcase: boolean, plain: boolean): boolean {
    const s = this.s;
    let name: string | undefined;
    let classname: string | undefined;
    let className: string | undefined;
    let time: string | undefined;
    let count = 0;
    let i = from;
    for (;;) {
      while (i < to && isSpace(s.charCodeAt(i))) i++;
      if (i >= to) break;
      const nameStart = i;
      i = s.indexOf('=', i);
      let nameEnd = i++;
      while (isSpace(s.charCodeAt(nameEnd - 1))) nameEnd--;
      while (isSpace(s.charCodeAt(i))) i++;
      const valueStart = i + 1;
      const valueEnd = s.indexOf(s.charCodeAt(i) === 0x22 ? '"' : "'", valueStart);
      i = valueEnd + 1;
      if (!this.unique(nameStart, nameEnd, count++)) return false;
      const which = testcase ? caseAttribute(s, nameStart, nameEnd) : OTHER;
      if (which === OTHER) {
        if (!plain && !validValue(s, valueStart, valueEnd)) return false;
        continue;
      }
      const value = plain ? s.slice(valueStart, valueEnd) : attributeValue(s, valueStart, valueEnd);
      if (value === undefined) return false;
      if (which === NAME_ATTR) name = value;
      else if (which === CLASSNAME_ATTR) classname = value;
      else if (which === CLASS_ATTR) className = value;
      else time = value;
    }
    if (testcase) this.onCase(name ?? '', classname ?? className ?? '', time);
    return true;
  }

  /** Records the `count`-th attribute name; false if the tag has it already. */
  private unique(start: number, end: number, count: number): boolean {
    const s = this.s;
    if (2 * count + 2 > this.names.length) {
      const more = new Int32Array(this.names.length * 2);
      more.set(this.names);
      this.names = more;
    }
    const names = this.names;
    const len = end - start;
    for (let k = 0; k < count; k++) {
      const a = names[2 * k];
      if (names[2 * k + 1] - a !== len) continue;
      let j = 0;
      while (j < len && s.charCodeAt(a + j) === s.charCodeAt(start + j)) j++;
      if (j === len) return false;
    }
    names[2 * count] = start;
    names[2 * count + 1] = end;
    return true;
  }
}

// The testcase attributes that are read.
const OTHER = 0;
const NAME_ATTR = 1;
const CLASSNAME_ATTR = 2;
const CLASS_ATTR = 3;
const TIME_ATTR = 4;

function caseAttribute(s: string, start: number, end: number): number {
  const first = s.charCodeAt(start);
  switch (end - start) {
    case 4:
      return first === 0x6e /* n */ && wordAt(s, start, 'name')
        ? NAME_ATTR
        : first === 0x74 /* t */ && wordAt(s, start, 'time')
          ? TIME_ATTR
          : OTHER;
    case 5:
      return first === 0x63 /* c */ && wordAt(s, start, 'class') ? CLASS_ATTR : OTHER;
    case 9:
      return first === 0x63 /* c */ && wordAt(s, start, 'classname') ? CLASSNAME_ATTR : OTHER;
    default:
      return OTHER;
  }
}

/** s.startsWith(word, at), as a loop: a call to the built-in costs more for a short word. */
function wordAt(s: string, at: number, word: string): boolean {
  for (let k = 1; k < word.length; k++)
    if (s.charCodeAt(at + k) !== word.charCodeAt(k)) return false;
  return true;
}

function validValue(s: string, from: number, to: number): boolean {
  for (let amp = s.indexOf('&', from); amp >= 0 && amp < to; amp = s.indexOf('&', amp + 1))
    if (reference(s, amp) === undefined) return false;
  return true;
}

/** A value as saxes hands it over: references decoded, each tab or line break a space. */
function attributeValue(s: string, from: number, to: number): string | undefined {
  const raw = s.slice(from, to);
  if (!VALUE_SPECIAL.test(raw)) return raw;
  // Only the characters as written: a reference's tab or line break stays one.
  const spaced = raw.replace(VALUE_SPACES, ' ');
  let out = '';
  let at = 0;
  for (let amp = spaced.indexOf('&'); amp >= 0; amp = spaced.indexOf('&', at)) {
    const text = reference(spaced, amp);
    if (text === undefined) return undefined;
    out += spaced.slice(at, amp) + text;
    at = REFERENCE.lastIndex;
  }
  return out + spaced.slice(at);
}

/** Bytes read at a time. */
const CHUNK = 1024 * 1024;

/**
 * Hands each testcase of a plain JUnit report to `onCase`; false when the report is anything
 * else or cannot be read (the full reader then says why).
 */
export async function readPlainCases(file: string, onCase: CaseSink): Promise<boolean> {
  const scanner = new PlainJUnitScanner(onCase);
  const chunks = fileText(file, CHUNK);
  try {
    for await (const text of chunks) if (!scanner.write(text)) return false;
    return scanner.end();
  } catch {
    return false;
  } finally {
    await chunks.return(undefined);
  }
}
