import { detach } from './detach.js';

/**
 * <testcase> elements read without the XML parser, when they are written in the plain subset
 * of XML that nearly every producer writes: ASCII names, quoted attributes, text, the five
 * predefined entities and character references, nothing else. The reader asks for one only
 * where the parser stands between two elements, and hands the parser whatever this refuses:
 * the parser stays the judge of everything that is not plain, and of every error.
 *
 * The element goes to a sink as the parser's events would, in their order and with their
 * values (entities decoded, tabs and newlines in attribute values read as spaces), so one set
 * of handlers reads both. They go as they are read: when the element turns out not to be
 * plain, the sink forgets what it was given of it (a test case is only counted when it
 * closes, so nothing has left the reader by then).
 *
 * It is quick because it looks at few characters itself: the special ones (`<`, `&`, line
 * ends, tabs) are found by indexOf, once each per stretch of text, and a value or a text with
 * none of them inside is taken as one slice.
 */
export interface PlainSink {
  /** An element opens; `lines`: the line breaks read since the test case's `<`. */
  open(name: string, attributes: Record<string, string>, lines: number): void;
  close(name: string): void;
  /** Whether text is listened to: it is decoded and handed over only then. */
  wantsText(): boolean;
  text(t: string): void;
}

/** Where the last element read ends, for the parser's line and column. */
export interface PlainEnd {
  /** Index just past the element. */
  end: number;
  /** Line breaks inside it. */
  lines: number;
  /**
   * Characters after its last line break (all of it when it has none), counted as the parser
   * counts columns: a surrogate pair is one.
   */
  lastLineLength: number;
}

const GT = 0x3e;
const SLASH = 0x2f;
const AMP = 0x26;
const SEMI = 0x3b;
const EQ = 0x3d;
const QUOT = 0x22;
const APOS = 0x27;
const TAB = 0x09;
const NL = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;

// ASCII letters, '_' and ':' may start a name; digits, '-' and '.' may follow. All are XML
// name characters; a name with any other character is left to the parser.
function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e;
}

/**
 * The character at `i`, -1 past the end: a chunk can end inside an element, and reading past
 * a string's end would cost the optimized code its assumptions.
 */
function codeAt(s: string, i: number): number {
  return i < s.length ? s.charCodeAt(i) : -1;
}

/** Whether `s` holds `n` at `i`; cheaper than a call to startsWith for a short name. */
function holdsAt(s: string, i: number, n: string): boolean {
  if (i + n.length > s.length) return false;
  for (let k = 0; k < n.length; k++) if (s.charCodeAt(i + k) !== n.charCodeAt(k)) return false;
  return true;
}

/** Index just past the name starting at `i`, or `i` when none starts there. */
function nameEnd(s: string, i: number): number {
  if (!isNameStart(codeAt(s, i))) return i;
  let j = i + 1;
  while (isNameChar(codeAt(s, j))) j++;
  return j;
}

const PREDEFINED: Record<string, string> = Object.assign(Object.create(null) as object, {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
});

/** The characters XML 1.0 allows, as a character reference must name one. */
function isXmlChar(n: number): boolean {
  return (
    n === TAB ||
    n === NL ||
    n === CR ||
    (n >= 0x20 && n <= 0xd7ff) ||
    (n >= 0xe000 && n <= 0xfffd) ||
    (n >= 0x10000 && n <= 0x10ffff)
  );
}

// Digits as the parser takes them: decimal, or hexadecimal after a lowercase x only.
const CHAR_REF = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/;

/** The text a reference (`&name;`, without & and ;) stands for; undefined when not plain. */
function reference(name: string): string | undefined {
  const named = PREDEFINED[name];
  if (named !== undefined) return named;
  const m = CHAR_REF.exec(name);
  if (!m) return undefined;
  const n = m[1] !== undefined ? parseInt(m[1], 16) : parseInt(m[2], 10);
  return isXmlChar(n) ? String.fromCodePoint(n) : undefined;
}

/**
 * Where the next occurrence of one character is in a text: known from `from` to `at`, so a
 * text is searched about once in all however often it is asked. Asked before `from` (a test
 * case inside one refused), only the stretch up to `from` is looked at.
 */
class Next {
  private from = 0;
  private at = -1;
  private readonly code: number;

  constructor(private readonly what: string) {
    this.code = what.charCodeAt(0);
  }

  reset(): void {
    this.from = 0;
    this.at = -1;
  }

  /** The index of the first occurrence at or after `i` in `s`; s.length when there is none. */
  find(s: string, i: number): number {
    if (i >= this.from && i <= this.at) return this.at;
    if (i < this.from && this.at >= 0) {
      for (let j = i; j < this.from; j++)
        if (s.charCodeAt(j) === this.code) {
          this.at = j;
          break;
        }
      this.from = i;
      return this.at;
    }
    const k = s.indexOf(this.what, i);
    this.at = k < 0 ? s.length : k;
    this.from = i;
    return this.at;
  }
}

// Names met in nearly every report, by their first character: each is then one string shared
// by all the cases, and found without a slice or a hash.
const KNOWN_NAMES: (string[] | undefined)[] = Array.from({ length: 128 }, () => undefined);
for (const n of [
  'testcase',
  'name',
  'classname',
  'class',
  'time',
  'file',
  'line',
  'status',
  'result',
  'assertions',
  'timestamp',
  'message',
  'type',
  'failure',
  'error',
  'skipped',
  'system-out',
  'system-err',
  'properties',
  'property',
  'value',
  'flakyFailure',
  'flakyError',
  'rerunFailure',
  'rerunError',
  'stackTrace',
])
  (KNOWN_NAMES[n.charCodeAt(0)] ??= []).push(n);
// Longer names first; the character after a name tells 'class' from 'classname' either way.
for (const list of KNOWN_NAMES) list?.sort((a, b) => b.length - a.length);

/**
 * Shared by the tags that have no attributes (the reader only reads theirs). Not frozen: a
 * frozen object has a shape of its own, and code that meets both runs slower.
 */
const NO_ATTRIBUTES = Object.create(null) as Record<string, string>;

/**
 * A start tag as it was last written, but for its values: most reports write every test case,
 * and every child of one kind, the same way. `lits` are the characters around the values
 * (the first runs from '<' to the first value's quote, the last from the last value's quote
 * to just before '>' or '/>'); `quotes` close each value.
 */
interface Shape {
  name: string;
  names: string[];
  quotes: string[];
  lits: string[];
}

// Shapes kept per place (test case or child); a report with more keeps its newest.
const SHAPES = 4;

/** The elements of one text, read one after another (see scanTestcase). */
export class PlainScanner {
  private s = '';
  private astralText = false;
  private readonly lt = new Next('<');
  private readonly amp = new Next('&');
  private readonly nl = new Next('\n');
  private readonly tab = new Next('\t');
  private readonly cr = new Next('\r');
  private readonly gt = new Next('>');
  // The element being read: its line breaks so far and where the last one stands.
  private lines = 0;
  private lastBreak = -1;
  /** Where the start tag last read ends, and whether it closed itself. */
  private at = 0;
  private selfClosing = false;
  /** The name last read. */
  private found = '';
  private readonly open: string[] = [];
  private readonly caseShapes: Shape[] = [];
  private readonly childShapes: Shape[] = [];
  // Where the values of the start tag being read stand, to learn its shape.
  private readonly valueStarts: number[] = [];
  private readonly valueEnds: number[] = [];
  private readonly valueNames: string[] = [];
  readonly last: PlainEnd = { end: 0, lines: 0, lastLineLength: 0 };

  /**
   * Starts on a new text; elements are then asked for in the order they stand in it.
   * `surrogates`: whether it may hold any (columns are then counted by code point).
   */
  reset(s: string, surrogates = true): void {
    this.s = s;
    this.astralText = surrogates && /[\uD800-\uDFFF]/.test(s);
    this.lt.reset();
    this.amp.reset();
    this.nl.reset();
    this.tab.reset();
    this.cr.reset();
    this.gt.reset();
  }

  /**
   * Reads the <testcase> element starting at `at` (where `<testcase` stands) into `sink`;
   * false when it is not plain, holds another test case or suite, or does not end before the
   * text does (the sink must then forget it). Where it ends is then in `last`.
   */
  scanTestcase(at: number, sink: PlainSink): boolean {
    const s = this.s;
    const open = this.open;
    let depth = 0;
    this.lines = 0;
    this.lastBreak = -1;
    let i = at;
    for (;;) {
      // Here s[i] is '<'.
      if (codeAt(s, i + 1) === SLASH) {
        const name = open[depth - 1];
        const ne = i + 2 + name.length;
        if (!holdsAt(s, i + 2, name) || isNameChar(codeAt(s, ne))) return false;
        const gt = this.skipSpaces(ne);
        if (codeAt(s, gt) !== GT) return false;
        depth--;
        sink.close(name);
        i = gt + 1;
      } else {
        const attributes = this.startTag(i, depth === 0);
        if (!attributes) return false;
        const name = this.found;
        i = this.at;
        sink.open(name, attributes, this.lines);
        if (this.selfClosing) sink.close(name);
        else open[depth++] = name;
      }
      if (depth === 0) return this.ended(at, i);
      const lt = this.lt.find(s, i);
      if (lt >= s.length) return false;
      if (lt > i) {
        if (!this.text(i, lt, sink)) return false;
        i = lt;
      }
    }
  }

  private ended(at: number, end: number): true {
    const from = this.lastBreak < 0 ? at : this.lastBreak + 1;
    this.last.end = end;
    this.last.lines = this.lines;
    this.last.lastLineLength = this.astralText ? codePoints(this.s, from, end) : end - from;
    return true;
  }

  private skipSpaces(i: number): number {
    const s = this.s;
    for (;;) {
      const c = codeAt(s, i);
      if (c === SPACE || c === TAB) i++;
      else if (c === NL) {
        this.lines++;
        this.lastBreak = i++;
      } else return i;
    }
  }

  /** Counts the line breaks from `i` to `end`, a stretch of text or a value. */
  private breaks(i: number, end: number): void {
    const s = this.s;
    for (let k = this.nl.find(s, i); k < end; k = this.nl.find(s, k + 1)) {
      this.lines++;
      this.lastBreak = k;
    }
  }

  /**
   * The attributes of the start tag at `i`, its name in `found`, its end in `at` and whether
   * it closes itself in `selfClosing`; undefined when not plain. The first tag must be a
   * <testcase>, and no other one may be.
   */
  private startTag(i: number, first: boolean): Record<string, string> | undefined {
    const shapes = first ? this.caseShapes : this.childShapes;
    for (let k = 0; k < shapes.length; k++) {
      const attributes = this.byShape(shapes[k], i, first);
      if (attributes !== undefined) return attributes;
    }
    const s = this.s;
    const ne = this.readName(i + 1);
    if (ne === i + 1) return undefined;
    const name = this.found;
    if (first ? name !== 'testcase' : name === 'testcase' || name === 'testsuite') return undefined;
    this.valueNames.length = 0;
    let attributes: Record<string, string> | undefined;
    for (let j = ne; ;) {
      const k = this.skipSpaces(j);
      const c = codeAt(s, k);
      if (c === GT || c === SLASH) {
        if (c === SLASH && codeAt(s, k + 1) !== GT) return undefined;
        this.selfClosing = c === SLASH;
        this.at = c === SLASH ? k + 2 : k + 1;
        this.found = name;
        this.learn(shapes, name, i, k);
        // The test case's attributes are its own, to keep; no other tag's are kept.
        return (
          attributes ?? (first ? (Object.create(null) as Record<string, string>) : NO_ATTRIBUTES)
        );
      }
      // An attribute needs white space before it.
      if (k === j) return undefined;
      attributes ??= Object.create(null) as Record<string, string>;
      j = this.attribute(k, attributes);
      if (j < 0) return undefined;
    }
  }

  /**
   * The start tag at `i` read by a shape: its attributes, or undefined when it is written
   * otherwise (the full reading then decides). Its values are checked as `value` checks any.
   */
  private byShape(shape: Shape, i: number, first: boolean): Record<string, string> | undefined {
    const s = this.s;
    const lits = shape.lits;
    if (!s.startsWith(lits[0], i)) return undefined;
    const names = shape.names;
    const lines = this.lines;
    const lastBreak = this.lastBreak;
    let p = i + lits[0].length;
    let attributes: Record<string, string> | undefined;
    for (let k = 0; k < names.length; k++) {
      const end = s.indexOf(shape.quotes[k], p);
      const value = end < 0 ? undefined : this.value(p, end);
      if (value === undefined || !s.startsWith(lits[k + 1], end)) {
        this.lines = lines;
        this.lastBreak = lastBreak;
        return undefined;
      }
      attributes ??= Object.create(null) as Record<string, string>;
      attributes[names[k]] = value;
      p = end + lits[k + 1].length;
    }
    const c = codeAt(s, p);
    if (c === GT) this.selfClosing = false;
    else if (c === SLASH && codeAt(s, p + 1) === GT) this.selfClosing = true;
    else {
      this.lines = lines;
      this.lastBreak = lastBreak;
      return undefined;
    }
    this.at = this.selfClosing ? p + 2 : p + 1;
    this.found = shape.name;
    return attributes ?? (first ? (Object.create(null) as Record<string, string>) : NO_ATTRIBUTES);
  }

  /**
   * Keeps the shape of the start tag just read, from `i` to `end` (its '>' or '/>'), unless
   * it spans lines: its literal characters are then never counted for line breaks.
   */
  private learn(shapes: Shape[], name: string, i: number, end: number): void {
    const s = this.s;
    const starts = this.valueStarts;
    const ends = this.valueEnds;
    const n = this.valueNames.length;
    const lits: string[] = [];
    let from = i;
    for (let k = 0; k < n; k++) {
      lits.push(s.slice(from, starts[k]));
      from = ends[k];
    }
    lits.push(s.slice(from, end));
    for (const lit of lits) if (lit.includes('\n')) return;
    // Kept past this text: copies, which pin no input chunk.
    for (let k = 0; k < lits.length; k++) lits[k] = detach(lits[k]);
    const quotes = ends.slice(0, n).map((e) => s[e]);
    if (shapes.length >= SHAPES) shapes.pop();
    shapes.unshift({ name, names: this.valueNames.slice(0, n), quotes, lits });
  }

  /** The attribute at `i` into `attrs`; the index past it, or -1 when it is not plain. */
  private attribute(i: number, attrs: Record<string, string>): number {
    const s = this.s;
    const ne = this.readName(i);
    if (ne === i) return -1;
    const name = this.found;
    let k = this.skipSpaces(ne);
    if (codeAt(s, k) !== EQ) return -1;
    k = this.skipSpaces(k + 1);
    const q = codeAt(s, k);
    if (q !== QUOT && q !== APOS) return -1;
    const close = s.indexOf(q === QUOT ? '"' : "'", k + 1);
    if (close < 0) return -1;
    if (attrs[name] !== undefined) return -1;
    const value = this.value(k + 1, close);
    if (value === undefined) return -1;
    attrs[name] = value;
    const n = this.valueNames.length;
    this.valueNames.push(name);
    this.valueStarts[n] = k + 1;
    this.valueEnds[n] = close;
    return close + 1;
  }

  /**
   * The end of the name at `i` (`i` when none starts there), the name in `found`: a known
   * name is recognised where it stands, without scanning it character by character.
   */
  private readName(i: number): number {
    const s = this.s;
    const c = codeAt(s, i);
    const list = c >= 0 && c < 128 ? KNOWN_NAMES[c] : undefined;
    if (list)
      for (const n of list) {
        const end = i + n.length;
        if (!isNameChar(codeAt(s, end)) && holdsAt(s, i, n)) {
          this.found = n;
          return end;
        }
      }
    const end = nameEnd(s, i);
    this.found = s.slice(i, end);
    return end;
  }

  /** An attribute value: references decoded, tabs and line ends read as spaces. */
  private value(i: number, end: number): string | undefined {
    const s = this.s;
    if (this.lt.find(s, i) < end || this.cr.find(s, i) < end) return undefined;
    const nl = this.nl.find(s, i);
    if (nl < end) this.breaks(nl, end);
    const special = Math.min(this.amp.find(s, i), nl, this.tab.find(s, i));
    return special >= end ? s.slice(i, end) : decode(s, special, end, i, true);
  }

  /**
   * Text between tags, to the sink when it listens: references decoded; false for text that
   * is not plain (a carriage return, a reference not plain, "]]>", which XML forbids there).
   */
  private text(i: number, end: number, sink: PlainSink): boolean {
    const s = this.s;
    if (this.cr.find(s, i) < end) return false;
    if (this.gt.find(s, i) < end && s.slice(i, end).includes(']]>')) return false;
    if (this.nl.find(s, i) < end) this.breaks(i, end);
    const amp = this.amp.find(s, i);
    if (amp >= end) {
      if (sink.wantsText()) sink.text(s.slice(i, end));
      return true;
    }
    const text = decode(s, amp, end, i, false);
    if (text === undefined) return false;
    if (sink.wantsText()) sink.text(text);
    return true;
  }
}

/**
 * `s` from `start` to `end` with references decoded and, in an attribute value, tabs and line
 * ends read as spaces; nothing to do before `first`. Undefined for a reference not plain.
 */
function decode(
  s: string,
  first: number,
  end: number,
  start: number,
  attribute: boolean,
): string | undefined {
  let out = '';
  for (let j = first; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c === AMP) {
      let semi = j + 1;
      while (semi < end && semi - j <= 12 && s.charCodeAt(semi) !== SEMI) semi++;
      if (semi >= end || s.charCodeAt(semi) !== SEMI) return undefined;
      const value = reference(s.slice(j + 1, semi));
      if (value === undefined) return undefined;
      out += s.slice(start, j) + value;
      j = semi;
      start = semi + 1;
    } else if (attribute && (c === NL || c === TAB)) {
      out += `${s.slice(start, j)} `;
      start = j + 1;
    }
  }
  return out + s.slice(start, end);
}

/** Code points from `i` to `end`: a surrogate pair counts once, as the parser counts it. */
function codePoints(s: string, i: number, end: number): number {
  let n = 0;
  for (let j = i; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}

/** Whether `s` from `i` to `end` is XML white space only. */
export function isBlank(s: string, i: number, end: number): boolean {
  for (let j = i; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c !== SPACE && c !== NL && c !== TAB && c !== CR) return false;
  }
  return true;
}

/** One element on its own, its events as lists (tests; the reader hands them to its sink). */
export function scanTestcase(
  s: string,
  at: number,
): { events: unknown[][]; last: PlainEnd } | undefined {
  const events: unknown[][] = [];
  const scanner = new PlainScanner();
  scanner.reset(s);
  const ok = scanner.scanTestcase(at, {
    open: (name, attributes, lines) => events.push(['open', name, attributes, lines]),
    close: (name) => events.push(['close', name]),
    wantsText: () => true,
    text: (t) => events.push(['text', t]),
  });
  return ok ? { events, last: { ...scanner.last } } : undefined;
}
