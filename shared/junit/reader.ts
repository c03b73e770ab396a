import { createReadStream } from 'node:fs';
import { SaxesParser, type SaxesTag } from 'saxes';
import { UserError } from '../errors.js';

/**
 * One streaming JUnit reader for the whole suite: publish-junit reads results with it and
 * select-tests reads timings and inventories with it. Memory does not grow with the file:
 * each <testcase> is handed to the caller as soon as it closes, and long texts are capped.
 * XML is read safely: DOCTYPE entity declarations are never expanded and nothing external is
 * fetched; characters XML forbids (ANSI escapes in test output) are replaced, not fatal.
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
}

/**
 * A copy of `text` that shares no memory with the chunk it was parsed from. Strings handed out
 * by the reader may be slices of a 256 KB input chunk, which V8 keeps alive as long as the
 * slice lives; a caller keeping strings past the case (lists, maps) keeps copies instead.
 */
export function detach(text: string): string;
export function detach(text: string | undefined): string | undefined;
export function detach(text: string | undefined): string | undefined {
  if (text === undefined || text.length < 13) return text;
  return Buffer.from(text, 'utf8').toString('utf8');
}

/** Longest text kept for a message, details or system-out (characters). */
export const TEXT_CAP = 64 * 1024;

const RESULT_ELEMENTS: Record<
  string,
  { outcome: CaseResult['outcome']; kind: 'result' | 'flaky' | 'rerun' }
> = {
  failure: { outcome: 'failed', kind: 'result' },
  error: { outcome: 'error', kind: 'result' },
  skipped: { outcome: 'skipped', kind: 'result' },
  // Some producers (older nose, some xunit writers) use <skip> or <ignored>.
  skip: { outcome: 'skipped', kind: 'result' },
  ignored: { outcome: 'skipped', kind: 'result' },
  flakyFailure: { outcome: 'failed', kind: 'flaky' },
  flakyError: { outcome: 'error', kind: 'flaky' },
  rerunFailure: { outcome: 'failed', kind: 'rerun' },
  rerunError: { outcome: 'error', kind: 'rerun' },
};

const RANK: Record<TestOutcome, number> = { passed: 0, skipped: 1, failed: 2, error: 3 };

export function worst(a: TestOutcome, b: TestOutcome): TestOutcome {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * A number as producers write it: "1,234.5" (thousands, Surefire in some locales) and "0,5"
 * (a decimal comma) both occur; a lone comma without a point is a decimal comma.
 */
export function num(value: string | undefined): number {
  if (value === undefined) return 0;
  // Number() takes "", " 1.5 " and "1e3" as they are: the common case costs one call.
  const n = Number(value);
  if (Number.isFinite(n)) return n;
  if (!value.includes(',')) return 0;
  const v = value.trim();
  const text = v.includes('.')
    ? v.replace(/,/g, '')
    : /^-?\d*,\d+$/.test(v)
      ? v.replace(',', '.')
      : '';
  const m = Number(text);
  return text && Number.isFinite(m) ? m : 0;
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

// One cheap scan first: most chunks hold nothing to replace, and then nothing is copied.
// eslint-disable-next-line no-control-regex
const SUSPECT = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF\uD800-\uDFFF]/;

export function sanitizeXmlChunk(text: string): string {
  let out = SUSPECT.test(text) ? text.replace(FORBIDDEN, '\uFFFD') : text;
  if (out.includes('&#')) out = out.replace(FORBIDDEN_REF, '\uFFFD');
  return out;
}

interface OpenCase {
  tc: TestCase;
  text: string[];
  textLen: number;
  current?: { element: string; result?: CaseResult };
}

interface OpenSuite {
  name: string;
  attributes: Record<string, string>;
  properties: Record<string, string>;
  cases: number;
  line: number;
}

const JUNIT_ROOTS = new Set(['testsuites', 'testsuite', 'testrun']);
const NOT_JUNIT: Record<string, string> = {
  'test-results': 'is NUnit 2 XML (<test-results>), not JUnit',
  'test-run': 'is NUnit 3 XML (<test-run>), not JUnit',
  assemblies: 'is xUnit.net v2 XML (<assemblies>), not JUnit',
};

/**
 * The state of one report being read: the open suites, the open case and the first error.
 * Saxes calls in as elements open and close; each element kind has its own method.
 */
class ReportReader {
  readonly parser = new SaxesParser({ position: true });
  readonly stats: ReadStats = { cases: 0, suites: 0, root: '' };
  failure: Error | undefined;
  private readonly suiteStack: OpenSuite[] = [];
  private open: OpenCase | undefined;
  // Cases of one suite share one frozen copy of the suite path instead of one each.
  private suitePath: readonly string[] | undefined;
  private inProperties = 0;
  private rootAttributes: Record<string, string> = {};
  private collecting = false;
  private readonly onText = (t: string) => this.text(t);

  constructor(
    private readonly report: string,
    private readonly handlers: ReadHandlers,
  ) {
    const parser = this.parser;
    parser.on('error', (err) =>
      this.fail(`not valid XML: ${err.message.replace(/^.*?:\d+:\d+: /, '')}`),
    );
    parser.on('doctype', (doctype) => {
      if (/<!ENTITY/i.test(doctype))
        this.fail('declares XML entities; refused (entities are never expanded)');
    });
    parser.on('opentag', (tag) => this.openTag(tag));
    // Text is listened to only inside a result or output element (see collectText): saxes
    // then skips the slicing of every other text, the whitespace between elements above all.
    parser.on('cdata', (t) => this.text(t));
    parser.on('closetag', (tag) => this.closeTag(tag));
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

  private openTag(tag: SaxesTag): void {
    const attrs = tag.attributes as Record<string, string>;
    if (!this.stats.root) this.checkRoot(tag.name, attrs);
    if (tag.name === 'testsuite') return this.openSuite(attrs);
    if (tag.name === 'testcase') return this.openCase(attrs);
    if (tag.name === 'properties') {
      this.inProperties++;
      return;
    }
    const open = this.open;
    if (tag.name === 'property' && this.inProperties) {
      const suite = this.suiteStack.at(-1);
      if (!attrs.name) return;
      if (open) open.tc.properties[attrs.name] = attrs.value ?? '';
      else if (suite) suite.properties[attrs.name] = attrs.value ?? '';
      return;
    }
    if (open) this.openInCase(open, tag.name, attrs);
  }

  private checkRoot(name: string, attrs: Record<string, string>): void {
    this.stats.root = name;
    this.rootAttributes = attrs;
    if (JUNIT_ROOTS.has(name)) return;
    const what = NOT_JUNIT[name] ?? `root element <${name}> is not JUnit`;
    this.fail(`${what}; allowed: <testsuites> or <testsuite>`);
  }

  private openSuite(attrs: Record<string, string>): void {
    const line = this.parser.line;
    const name = capName(attrs.name ?? '');
    this.suiteStack.push({ name, attributes: attrs, properties: {}, cases: 0, line });
    this.suitePath = undefined;
    this.stats.suites++;
  }

  private openCase(attrs: Record<string, string>): void {
    for (const s of this.suiteStack) s.cases++;
    this.suitePath ??= Object.freeze(this.suiteStack.map((s) => s.name));
    this.open = {
      tc: {
        report: this.report,
        suites: this.suitePath as string[],
        classname: capName(attrs.classname ?? attrs.class ?? ''),
        name: capName(attrs.name ?? ''),
        time: num(attrs.time),
        outcome: 'passed',
        results: [],
        flakyRuns: [],
        reruns: [],
        attributes: attrs,
        properties: {},
        suiteProperties: this.suiteStack.at(-1)?.properties ?? {},
        reportLine: this.parser.line,
      },
      text: [],
      textLen: 0,
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
      open.current = { element: name, result };
      this.collectText(true);
      open.text = [];
      open.textLen = 0;
      const tc = open.tc;
      const list =
        kind.kind === 'result' ? tc.results : kind.kind === 'flaky' ? tc.flakyRuns : tc.reruns;
      list.push(result);
      if (kind.kind === 'result') tc.outcome = worst(tc.outcome, kind.outcome);
    } else if ((name === 'system-out' || name === 'system-err') && !open.current) {
      open.current = { element: name };
      this.collectText(true);
      open.text = [];
      open.textLen = 0;
    }
  }

  private text(t: string): void {
    const open = this.open;
    if (!open?.current || open.textLen > TEXT_CAP) return;
    open.text.push(t);
    open.textLen += t.length;
  }

  private closeTag(tag: SaxesTag): void {
    if (tag.name === 'properties') {
      this.inProperties = Math.max(0, this.inProperties - 1);
      return;
    }
    const open = this.open;
    if (open?.current && tag.name === open.current.element) return this.closeText(open, tag.name);
    if (tag.name === 'testcase' && open) return this.closeCase(open);
    if (tag.name === 'testsuite') this.closeSuite();
  }

  private closeText(open: OpenCase, name: string): void {
    const text = open.text.join('');
    const trimmed = text.trim();
    if (open.current?.result) {
      if (trimmed) open.current.result.details = cap(trimmed);
    } else if (trimmed) {
      if (name === 'system-out') open.tc.systemOut = cap(text);
      else open.tc.systemErr = cap(text);
    }
    open.current = undefined;
    this.collectText(false);
    open.text = [];
    open.textLen = 0;
  }

  private collectText(on: boolean): void {
    if (on === this.collecting) return;
    this.collecting = on;
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
    this.handlers.onSuiteEnd?.({
      report: this.report,
      suites: this.suiteStack.map((x) => x.name),
      name: s.name,
      cases: s.cases,
      attributes: s.attributes,
      properties: s.properties,
    });
    if (s.cases !== 0 || !this.handlers.onDeclaredSuite) return;
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
  if (tc.results.length > 0) return;
  const status = (tc.attributes.status ?? '').toLowerCase();
  const result = (tc.attributes.result ?? '').toLowerCase();
  if (!NOT_RUN.has(status) && result !== 'suppressed' && result !== 'skipped') return;
  tc.results.push({ outcome: 'skipped', element: `status="${tc.attributes.status}"` });
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
  for await (const chunk of chunks) {
    if (blank && /\S/.test(chunk)) blank = false;
    // Keep a possibly cut character reference for the next chunk so it is sanitized whole.
    let text = tail + chunk;
    const amp = text.lastIndexOf('&');
    if (amp >= 0 && amp > text.length - 12 && !text.slice(amp).includes(';')) {
      tail = text.slice(amp);
      text = text.slice(0, amp);
    } else tail = '';
    parser.write(sanitizeXmlChunk(text));
    if (reader.failure) throw reader.failure;
  }
  parser.write(sanitizeXmlChunk(tail));
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
): Promise<ReadStats> {
  const reader = new ReportReader(report, handlers);
  await feed(reader, chunks, report);
  return reader.stats;
}

/** Read a JUnit file as a stream. `display` is the name used in messages (workspace-relative). */
export async function readJUnitFile(
  file: string,
  handlers: ReadHandlers,
  display = file,
): Promise<ReadStats> {
  let stream;
  try {
    stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 });
    return await readJUnit(stream, display, handlers);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new UserError(`${display}: does not exist`);
    if ((err as NodeJS.ErrnoException).code === 'EISDIR')
      throw new UserError(`${display}: is a directory, not a JUnit file`);
    if ((err as NodeJS.ErrnoException).code === 'ELOOP')
      throw new UserError(`${display}: is a loop of symbolic links, not a JUnit file`);
    throw err;
  } finally {
    stream?.destroy();
  }
}

/** Read all test cases of a string (small reports and tests). */
export async function readJUnitString(xml: string, report = 'report.xml') {
  const cases: TestCase[] = [];
  const declared: DeclaredSuite[] = [];
  await readJUnit([xml], report, {
    onCase: (c) => cases.push(c),
    onDeclaredSuite: (s) => declared.push(s),
  });
  return { cases, declared };
}
