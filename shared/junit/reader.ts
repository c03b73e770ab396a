import { SaxesParser } from 'saxes';
import { UserError } from '../errors.js';
import { PlainScanner, isBlank, type PlainSink } from './fast-case.js';
import { fileText } from './file-text.js';
import { num } from './number.js';
import { holdYoungGeneration } from './young-generation.js';

// Where the reader's callers have always found them.
export { detach } from './detach.js';
export { num } from './number.js';

/**
 * One streaming JUnit reader for the whole suite: publish-junit reads results with it and
 * select-tests reads timings and inventories with it. Memory does not grow with the file:
 * each <testcase> is handed to the caller as soon as it closes, and long texts are capped.
 * XML is read safely: DOCTYPE entity declarations are never expanded and nothing external is
 * fetched; characters XML forbids (ANSI escapes in test output) are replaced, not fatal.
 * Plain test cases, nearly all of them, are read by a fast path (fast-case.ts) that hands the
 * same calls to the same handlers; the XML parser reads everything else and judges every error.
 */
export type TestOutcome = 'passed' | 'failed' | 'error' | 'skipped';

export interface CaseResult {
  outcome: Exclude<TestOutcome, 'passed'>;
  /** The element it came from: failure, error, skipped, flakyFailure, rerunError, ... */
  element: string;
  message?: string;
  type?: string;
  details?: string;
  /** The `file`/`line` attributes some producers put on the result (Catch2, xunit). */
  file?: string;
  line?: string;
}

export interface TestCase {
  /** The report file it was read from. */
  report: string;
  /** Names of the enclosing <testsuite> elements, outermost first. */
  suites: string[];
  classname: string;
  name: string;
  /** Seconds, 0 when absent. */
  time: number;
  /** The worst of `results` (error > failure > skipped), passed when there is none. */
  outcome: TestOutcome;
  results: CaseResult[];
  /** Surefire's flakyFailure/flakyError: failed runs before a pass. */
  flakyRuns: CaseResult[];
  /** Surefire's rerunFailure/rerunError: failed reruns after the first failure. */
  reruns: CaseResult[];
  /** Every attribute of the <testcase> element as written (file, line, filepath, ...). */
  attributes: Record<string, string>;
  properties: Record<string, string>;
  /**
   * The innermost <testsuite>'s own <properties> (gotestsum's go.version, Ginkgo's
   * SuiteSucceeded): they say which producer wrote the cases. Shared by the suite's cases.
   */
  suiteProperties: Readonly<Record<string, string>>;
  systemOut?: string;
  systemErr?: string;
  /** Line in the report where the testcase starts. */
  reportLine: number;
}

/** A <testsuite> that holds no <testcase>: only its attributes say what happened. */
export interface DeclaredSuite {
  report: string;
  suites: string[];
  name: string;
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  time: number;
  attributes: Record<string, string>;
}

/** A <testsuite> as it closes, with its own properties and how many cases it held. */
export interface SuiteEnd {
  report: string;
  suites: string[];
  name: string;
  cases: number;
  attributes: Record<string, string>;
  properties: Readonly<Record<string, string>>;
}

/** What the root element declares when no <testsuite> or <testcase> says anything. */
export interface RootEnd {
  report: string;
  root: string;
  suites: number;
  cases: number;
  errors: number;
  failures: number;
  attributes: Record<string, string>;
}

export interface ReadHandlers {
  onCase(tc: TestCase): void;
  onDeclaredSuite?(suite: DeclaredSuite): void;
  onSuiteEnd?(suite: SuiteEnd): void;
  onRootEnd?(root: RootEnd): void;
}

export interface ReadStats {
  cases: number;
  suites: number;
  root: string;
  /** Cases read by the fast path (fast-case.ts) rather than the XML parser. */
  plainCases: number;
}

export interface ReadOptions {
  /**
   * Read plain <testcase> elements without the XML parser (see fast-case.ts); on by default.
   * Off, the parser reads every element: what the fast path is tested against.
   */
  fast?: boolean;
}

/** Longest text kept for a message, details or system-out (characters). */
export const TEXT_CAP = 64 * 1024;

type ResultKind = { outcome: CaseResult['outcome']; kind: 'results' | 'flakyRuns' | 'reruns' };

// Without a prototype: an element named like an Object member (<constructor>) is no result.
const RESULT_ELEMENTS: Record<string, ResultKind | undefined> = Object.assign(
  Object.create(null) as object,
  {
    failure: { outcome: 'failed', kind: 'results' },
    error: { outcome: 'error', kind: 'results' },
    skipped: { outcome: 'skipped', kind: 'results' },
    // Some producers (older nose, some xunit writers) use <skip> or <ignored>.
    skip: { outcome: 'skipped', kind: 'results' },
    ignored: { outcome: 'skipped', kind: 'results' },
    flakyFailure: { outcome: 'failed', kind: 'flakyRuns' },
    flakyError: { outcome: 'error', kind: 'flakyRuns' },
    rerunFailure: { outcome: 'failed', kind: 'reruns' },
    rerunError: { outcome: 'error', kind: 'reruns' },
  } satisfies Record<string, ResultKind>,
);

const RANK: Record<TestOutcome, number> = { passed: 0, skipped: 1, failed: 2, error: 3 };

export function worst(a: TestOutcome, b: TestOutcome): TestOutcome {
  return RANK[a] >= RANK[b] ? a : b;
}

/** Longest test, class or suite name kept (characters); a longer one is cut with a mark. */
export const NAME_CAP = 1000;

function capName(text: string): string {
  return text.length > NAME_CAP ? `${text.slice(0, NAME_CAP)}…` : text;
}

// Statuses that say a case never ran: GoogleTest's notrun (DISABLED_ tests, result
// "suppressed"), mikepenz/EnricoMi fixtures' disabled, Ginkgo's pending and skipped.
const NOT_RUN = new Set(['disabled', 'notrun', 'skipped', 'pending', 'ignored']);

function cap(text: string): string {
  return text.length > TEXT_CAP ? `${text.slice(0, TEXT_CAP)}\n…(trimmed)` : text;
}

// XML 1.0 forbids these characters even as references; producers write them anyway.
const FORBIDDEN =
  // eslint-disable-next-line no-control-regex
  /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const FORBIDDEN_REF = /&#(?:x0*([0-8bcef]|1[0-9a-f])|0*([0-8]|1[1-2]|1[4-9]|2[0-9]|3[01]));/gi;

// Cheap scans first: most chunks hold nothing to replace, and then nothing is copied. A
// class alone is scanned quickly; references are looked at only where `&#` stands.
// eslint-disable-next-line no-control-regex
const SUSPECT = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF\uD800-\uDFFF]/;
const FORBIDDEN_REF_AT =
  /&#(?:[xX]0*(?:[0-8bcefBCEF]|1[0-9a-fA-F])|0*(?:[0-8]|1[1-2]|1[4-9]|2[0-9]|3[01]));/y;

function hasForbiddenRef(text: string): boolean {
  for (let i = text.indexOf('&#'); i >= 0; i = text.indexOf('&#', i + 2)) {
    FORBIDDEN_REF_AT.lastIndex = i;
    if (FORBIDDEN_REF_AT.test(text)) return true;
  }
  return false;
}

export function sanitizeXmlChunk(text: string): string {
  return sanitize(text, SUSPECT.test(text));
}

/** `text` with forbidden characters and references replaced; `suspect`: SUSPECT matched. */
function sanitize(text: string, suspect: boolean): string {
  const out = suspect ? text.replace(FORBIDDEN, '\uFFFD') : text;
  return hasForbiddenRef(out) ? out.replace(FORBIDDEN_REF, '\uFFFD') : out;
}

interface OpenCase {
  tc: TestCase;
  /** The text of the element being read, up to about TEXT_CAP. */
  text: string;
  /** The result or output element whose text is read; its result when it is one. */
  element: string | undefined;
  result: CaseResult | undefined;
}

// Most cases have no results, flaky runs, reruns or properties: they share these, frozen,
// and a case gets its own list or record when it has something to put in it.
const NO_RESULTS = Object.freeze([]) as unknown as CaseResult[];
const NO_PROPERTIES = Object.freeze({}) as Record<string, string>;

function pushResult(tc: TestCase, list: 'results' | 'flakyRuns' | 'reruns', r: CaseResult): void {
  if (tc[list] === NO_RESULTS) tc[list] = [r];
  else tc[list].push(r);
}

interface OpenSuite {
  name: string;
  attributes: Record<string, string>;
  properties: Record<string, string>;
  /** Cases opened before it: the ones opened by its close are its own. */
  casesBefore: number;
  line: number;
}

const JUNIT_ROOTS = new Set(['testsuites', 'testsuite', 'testrun']);
const NOT_JUNIT: Record<string, string> = {
  'test-results': 'is NUnit 2 XML (<test-results>), not JUnit',
  'test-run': 'is NUnit 3 XML (<test-run>), not JUnit',
  assemblies: 'is xUnit.net v2 XML (<assemblies>), not JUnit',
};

const CR = 0x0d;
const NL = 0x0a;
const TAB = 0x09;
const SPACE = 0x20;

/**
 * The state of one report being read: the open suites, the open case and the first error.
 * Saxes calls in as elements open and close, and so does the fast path for the plain test
 * cases it reads (see write); each element kind has its own method.
 */
class ReportReader {
  readonly parser = new SaxesParser({ position: true });
  readonly stats: ReadStats = { cases: 0, suites: 0, root: '', plainCases: 0 };
  failure: Error | undefined;
  private readonly suiteStack: OpenSuite[] = [];
  private open: OpenCase | undefined;
  // Cases of one suite share one frozen copy of the suite path instead of one each.
  private suitePath: readonly string[] | undefined;
  private inProperties = 0;
  private rootAttributes: Record<string, string> = {};
  private collecting = false;
  private readonly onText = (t: string) => this.text(t);
  /** Cases opened so far; a suite's cases are the difference between its close and open. */
  private opened = 0;
  // Where the parser stands between elements, for the fast path (see write): elements open
  // around it, and its position just past the last tag it read, or one fed only blanks
  // since; -1 when not known. `fed` is what it was given so far, in its positions.
  private depth = 0;
  private boundary = -1;
  private fed = 0;
  private readonly scanner = new PlainScanner();
  // While the fast path reads: the line its element starts on; text listening is its own.
  private plainReading = false;
  private plainLine = 0;
  private readonly sink: PlainSink = {
    open: (name, attributes, lines) => {
      // Cases name the line the parser would be on: the start tag's end.
      this.parser.line = this.plainLine + lines;
      this.openTag(name, attributes);
    },
    close: (name) => this.closeTag(name),
    wantsText: () => this.collecting,
    text: (t) => this.text(t),
  };

  constructor(
    private readonly report: string,
    private readonly handlers: ReadHandlers,
    private fast: boolean,
  ) {
    const parser = this.parser;
    parser.on('error', (err) =>
      this.fail(`not valid XML: ${err.message.replace(/^.*?:\d+:\d+: /, '')}`),
    );
    parser.on('doctype', (doctype) => {
      if (/<!ENTITY/i.test(doctype))
        this.fail('declares XML entities; refused (entities are never expanded)');
    });
    // XML 1.1 has other line ends and characters than the fast path knows.
    parser.on('xmldecl', (decl) => {
      if (decl.version !== undefined && decl.version !== '1.0') this.fast = false;
    });
    parser.on('opentag', (tag) => {
      this.depth++;
      this.openTag(tag.name, tag.attributes as Record<string, string>);
      this.boundary = parser.position;
    });
    // Text is listened to only inside a result or output element (see collectText): saxes
    // then skips the slicing of every other text, the whitespace between elements above all.
    parser.on('cdata', (t) => this.text(t));
    parser.on('closetag', (tag) => {
      this.depth--;
      this.closeTag(tag.name);
      this.boundary = parser.position;
    });
  }

  /**
   * Feeds `text` to the parser, except the plain <testcase> elements met where the parser
   * stands between elements: those are read by the fast path, which hands them to the same
   * handlers, and the parser never sees them. Nothing changes for the parser but its position:
   * an element, balanced, leaves it in the state it found it in.
   */
  write(text: string, surrogates: boolean): void {
    let pos = 0;
    let from = 0;
    if (this.fast) this.scanner.reset(text, surrogates);
    while (this.fast) {
      const cut = text.indexOf('<testcase', from);
      if (cut < 0) break;
      if (cut > pos) {
        const end = this.readPlainAfterBlanks(text, pos, cut);
        if (end >= 0) {
          pos = from = end;
          continue;
        }
        this.parser.write(text.slice(pos, cut));
        this.fed += cut - pos;
        pos = cut;
        if (this.failure) return;
      }
      const end = this.readPlain(text, cut);
      if (end < 0) from = cut + 1;
      else pos = from = end;
    }
    if (pos < text.length) {
      this.parser.write(pos === 0 ? text : text.slice(pos));
      this.fed += text.length - pos;
    }
    // Blanks up to the end leave the parser where it stood; a carriage return it keeps back.
    const i = this.boundary - this.fed + text.length;
    if (this.boundary >= 0 && i >= 0 && isBlank(text, i, text.length))
      if (text.length === 0 || text.charCodeAt(text.length - 1) !== CR) this.boundary = this.fed;
  }

  /**
   * The blanks between two plain cases, and the case after them, read without the parser: it
   * would only count their lines, and a call into it for every line end of a report costs
   * more than the case. The index past the case, or -1 with nothing changed.
   */
  private readPlainAfterBlanks(text: string, pos: number, cut: number): number {
    if (this.boundary !== this.fed || this.boundary < 0) return -1;
    let breaks = 0;
    let lastBreak = -1;
    for (let j = pos; j < cut; j++) {
      const c = text.charCodeAt(j);
      if (c === NL) {
        breaks++;
        lastBreak = j;
      } else if (c !== SPACE && c !== TAB) return -1;
    }
    const parser = this.parser;
    const { line, column } = parser;
    parser.line += breaks;
    parser.column = lastBreak < 0 ? column + cut - pos : cut - lastBreak - 1;
    const end = this.readPlain(text, cut);
    if (end < 0) {
      parser.line = line;
      parser.column = column;
    }
    return end;
  }

  /** Reads the <testcase> at `cut` without the parser; the index past it, or -1 when not. */
  private readPlain(text: string, cut: number): number {
    if (!this.fast || this.depth <= 0 || this.open || this.inProperties > 0 || this.failure)
      return -1;
    // The parser has read everything before `cut`: it must stand after a tag, with blanks
    // since (the element must not be inside a comment, a CDATA section or text).
    const from = this.boundary - this.fed + cut;
    if (this.boundary < 0 || from < 0 || !isBlank(text, from, cut)) return -1;
    if (cut > from && cut > 0 && text.charCodeAt(cut - 1) === CR) return -1;
    const parser = this.parser;
    const line = parser.line;
    const opened = this.opened;
    this.plainLine = line;
    this.plainReading = true;
    const plain = this.scanner.scanTestcase(cut, this.sink);
    this.plainReading = false;
    if (!plain) {
      // Nothing left the reader: a case is handed over when it closes, the last event.
      this.open = undefined;
      this.opened = opened;
      this.inProperties = 0;
      this.collecting = false;
      parser.line = line;
      return -1;
    }
    // The parser never saw the element: its line and column move past it, so what it says
    // next (an error above all) points where it should.
    const el = this.scanner.last;
    parser.line = line + el.lines;
    parser.column = el.lines > 0 ? el.lastLineLength : parser.column + el.lastLineLength;
    this.stats.plainCases++;
    this.boundary = this.fed;
    return el.end;
  }

  /** The root's own totals, for a report whose suites and cases say nothing. */
  end(): void {
    const a = this.rootAttributes;
    this.handlers.onRootEnd?.({
      report: this.report,
      root: this.stats.root,
      suites: this.stats.suites,
      cases: this.stats.cases,
      errors: num(a.errors),
      failures: num(a.failures),
      attributes: a,
    });
  }

  /** The first error wins: after it the parser only guesses. */
  private fail(what: string): void {
    this.failure ??= new UserError(`${this.report}:${this.parser.line}: ${what}`);
  }

  private openTag(name: string, attrs: Record<string, string>): void {
    if (!this.stats.root) this.checkRoot(name, attrs);
    if (name === 'testsuite') return this.openSuite(attrs);
    if (name === 'testcase') return this.openCase(attrs);
    if (name === 'properties') {
      this.inProperties++;
      return;
    }
    const open = this.open;
    if (name === 'property' && this.inProperties) {
      const suite = this.suiteStack.at(-1);
      if (!attrs.name) return;
      if (open) {
        if (open.tc.properties === NO_PROPERTIES) open.tc.properties = {};
        open.tc.properties[attrs.name] = attrs.value ?? '';
      } else if (suite) suite.properties[attrs.name] = attrs.value ?? '';
      return;
    }
    if (open) this.openInCase(open, name, attrs);
  }

  private checkRoot(name: string, attrs: Record<string, string>): void {
    this.stats.root = name;
    this.rootAttributes = attrs;
    if (JUNIT_ROOTS.has(name)) return;
    const what = Object.hasOwn(NOT_JUNIT, name)
      ? NOT_JUNIT[name]
      : `root element <${name}> is not JUnit`;
    this.fail(`${what}; allowed: <testsuites> or <testsuite>`);
  }

  private openSuite(attrs: Record<string, string>): void {
    const line = this.parser.line;
    const name = capName(attrs.name ?? '');
    this.suiteStack.push({
      name,
      attributes: attrs,
      properties: {},
      casesBefore: this.opened,
      line,
    });
    this.suitePath = undefined;
    this.stats.suites++;
  }

  private openCase(attrs: Record<string, string>): void {
    this.opened++;
    this.suitePath ??= Object.freeze(this.suiteStack.map((s) => s.name));
    this.open = {
      tc: {
        report: this.report,
        suites: this.suitePath as string[],
        classname: capName(attrs.classname ?? attrs.class ?? ''),
        name: capName(attrs.name ?? ''),
        time: num(attrs.time),
        outcome: 'passed',
        results: NO_RESULTS,
        flakyRuns: NO_RESULTS,
        reruns: NO_RESULTS,
        attributes: attrs,
        properties: NO_PROPERTIES,
        suiteProperties: this.suiteStack.at(-1)?.properties ?? NO_PROPERTIES,
        reportLine: this.parser.line,
      },
      text: '',
      element: undefined,
      result: undefined,
    };
  }

  /** A result element (failure, skipped, flakyError...) or the case's own output. */
  private openInCase(open: OpenCase, name: string, attrs: Record<string, string>): void {
    const kind = RESULT_ELEMENTS[name];
    if (kind) {
      const result: CaseResult = { outcome: kind.outcome, element: name };
      if (attrs.message) result.message = cap(attrs.message);
      if (attrs.type) result.type = attrs.type;
      if (attrs.file) result.file = attrs.file;
      if (attrs.line) result.line = attrs.line;
      open.element = name;
      open.result = result;
      open.text = '';
      this.collectText(true);
      pushResult(open.tc, kind.kind, result);
      if (kind.kind === 'results') open.tc.outcome = worst(open.tc.outcome, kind.outcome);
    } else if ((name === 'system-out' || name === 'system-err') && open.element === undefined) {
      open.element = name;
      open.text = '';
      this.collectText(true);
    }
  }

  private text(t: string): void {
    const open = this.open;
    if (open?.element === undefined || open.text.length > TEXT_CAP) return;
    open.text += t;
  }

  private closeTag(name: string): void {
    if (name === 'properties') {
      this.inProperties = Math.max(0, this.inProperties - 1);
      return;
    }
    const open = this.open;
    if (open?.element !== undefined && name === open.element) return this.closeText(open, name);
    if (name === 'testcase' && open) return this.closeCase(open);
    if (name === 'testsuite') this.closeSuite();
  }

  private closeText(open: OpenCase, name: string): void {
    const text = open.text;
    const trimmed = text.trim();
    if (open.result) {
      if (trimmed) open.result.details = cap(trimmed);
    } else if (trimmed) {
      if (name === 'system-out') open.tc.systemOut = cap(text);
      else open.tc.systemErr = cap(text);
    }
    open.element = undefined;
    open.result = undefined;
    open.text = '';
    this.collectText(false);
  }

  private collectText(on: boolean): void {
    if (on === this.collecting) return;
    this.collecting = on;
    // The fast path hands text over itself, when `collecting` says so.
    if (this.plainReading) return;
    if (on) this.parser.on('text', this.onText);
    else this.parser.off('text');
  }

  private closeCase(open: OpenCase): void {
    this.open = undefined;
    this.collectText(false);
    // After an error the parser guesses; a case it closed by guessing was not written so.
    if (this.failure) return;
    notRun(open.tc);
    this.stats.cases++;
    this.handlers.onCase(open.tc);
  }

  private closeSuite(): void {
    const s = this.suiteStack.pop();
    this.suitePath = undefined;
    if (!s || this.failure) return;
    const cases = this.opened - s.casesBefore;
    this.handlers.onSuiteEnd?.({
      report: this.report,
      suites: this.suiteStack.map((x) => x.name),
      name: s.name,
      cases,
      attributes: s.attributes,
      properties: s.properties,
    });
    if (cases !== 0 || !this.handlers.onDeclaredSuite) return;
    const a = s.attributes;
    this.handlers.onDeclaredSuite({
      report: this.report,
      suites: this.suiteStack.map((x) => x.name),
      name: s.name,
      tests: num(a.tests),
      failures: num(a.failures),
      errors: num(a.errors),
      skipped: num(a.skipped ?? a.skips ?? a.disabled),
      time: num(a.time),
      attributes: a,
    });
  }
}

/**
 * A case whose status says it never ran (and that holds no result element saying otherwise)
 * is skipped, not passed.
 */
function notRun(tc: TestCase): void {
  const a = tc.attributes;
  if (tc.results.length > 0 || (a.status === undefined && a.result === undefined)) return;
  const status = (a.status ?? '').toLowerCase();
  const result = (a.result ?? '').toLowerCase();
  if (!NOT_RUN.has(status) && result !== 'suppressed' && result !== 'skipped') return;
  pushResult(tc, 'results', { outcome: 'skipped', element: `status="${a.status}"` });
  tc.outcome = 'skipped';
}

/** Feed the chunks to the parser, sanitized, and fail on the first error or an empty report. */
async function feed(
  reader: ReportReader,
  chunks: AsyncIterable<string> | Iterable<string>,
  report: string,
): Promise<void> {
  const { parser } = reader;
  let tail = '';
  let blank = true;
  let count = 0;
  for await (const chunk of chunks) {
    // From a few megabytes on, now and then: see young-generation.ts.
    if (++count % 16 === 0) await holdYoungGeneration();
    if (blank && /\S/.test(chunk)) blank = false;
    // Keep a possibly cut character reference for the next chunk so it is sanitized whole.
    let text = tail + chunk;
    const amp = text.lastIndexOf('&');
    if (amp >= 0 && amp > text.length - 12 && !text.slice(amp).includes(';')) {
      tail = text.slice(amp);
      text = text.slice(0, amp);
    } else tail = '';
    const suspect = SUSPECT.test(text);
    reader.write(sanitize(text, suspect), suspect);
    if (reader.failure) throw reader.failure;
  }
  reader.write(sanitizeXmlChunk(tail), true);
  const empty = `${report}:1: is empty; a JUnit report needs a <testsuites> or <testsuite> root`;
  if (blank) throw new UserError(empty);
  parser.close();
  if (reader.failure) throw reader.failure;
  if (!reader.stats.root) throw new UserError(empty);
  reader.end();
}

/** Read JUnit XML from chunks of text (a file stream or a string). */
export async function readJUnit(
  chunks: AsyncIterable<string> | Iterable<string>,
  report: string,
  handlers: ReadHandlers,
  options: ReadOptions = {},
): Promise<ReadStats> {
  const reader = new ReportReader(report, handlers, options.fast ?? true);
  await feed(reader, chunks, report);
  return reader.stats;
}

/** Read a JUnit file as a stream. `display` is the name used in messages (workspace-relative). */
export async function readJUnitFile(
  file: string,
  handlers: ReadHandlers,
  display = file,
  options: ReadOptions = {},
): Promise<ReadStats> {
  const chunks = fileText(file);
  try {
    return await readJUnit(chunks, display, handlers, options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new UserError(`${display}: does not exist`);
    if ((err as NodeJS.ErrnoException).code === 'EISDIR')
      throw new UserError(`${display}: is a directory, not a JUnit file`);
    if ((err as NodeJS.ErrnoException).code === 'ELOOP')
      throw new UserError(`${display}: is a loop of symbolic links, not a JUnit file`);
    throw err;
  } finally {
    await chunks.return(undefined);
  }
}

/** Read all test cases of a string (small reports and tests). */
export async function readJUnitString(
  xml: string,
  report = 'report.xml',
  options: ReadOptions = {},
) {
  const cases: TestCase[] = [];
  const declared: DeclaredSuite[] = [];
  await readJUnit(
    [xml],
    report,
    { onCase: (c) => cases.push(c), onDeclaredSuite: (s) => declared.push(s) },
    options,
  );
  return { cases, declared };
}
