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
export type Outcome = 'passed' | 'failed' | 'error' | 'skipped';

export interface CaseResult {
  outcome: Exclude<Outcome, 'passed'>;
  /** The element it came from: failure, error, skipped, flakyFailure, rerunError, ... */
  element: string;
  message?: string;
  type?: string;
  details?: string;
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
  outcome: Outcome;
  results: CaseResult[];
  /** Surefire's flakyFailure/flakyError: failed runs before a pass. */
  flakyRuns: CaseResult[];
  /** Surefire's rerunFailure/rerunError: failed reruns after the first failure. */
  reruns: CaseResult[];
  /** Every attribute of the <testcase> element as written (file, line, filepath, ...). */
  attributes: Record<string, string>;
  properties: Record<string, string>;
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

export interface ReadHandlers {
  onCase(tc: TestCase): void;
  onDeclaredSuite?(suite: DeclaredSuite): void;
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

const RANK: Record<Outcome, number> = { passed: 0, skipped: 1, failed: 2, error: 3 };

export function worst(a: Outcome, b: Outcome): Outcome {
  return RANK[a] >= RANK[b] ? a : b;
}

function num(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 0;
  const n = Number(value.replace(/,/g, ''));
  return Number.isFinite(n) ? n : 0;
}

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

/** Read JUnit XML from chunks of text (a file stream or a string). */
export async function readJUnit(
  chunks: AsyncIterable<string> | Iterable<string>,
  report: string,
  handlers: ReadHandlers,
): Promise<ReadStats> {
  const parser = new SaxesParser({ position: true });
  const stats: ReadStats = { cases: 0, suites: 0, root: '' };
  const suiteStack: Array<{
    name: string;
    attributes: Record<string, string>;
    cases: number;
    line: number;
  }> = [];
  let open: OpenCase | undefined;
  // Cases of one suite share one frozen copy of the suite path instead of one each.
  let suitePath: readonly string[] | undefined;
  const currentSuites = () => (suitePath ??= Object.freeze(suiteStack.map((s) => s.name)));
  let inProperties = 0;
  let failure: Error | undefined;

  parser.on('error', (err) => {
    failure ??= new UserError(
      `${report}:${parser.line}: not valid XML: ${err.message.replace(/^.*?:\d+:\d+: /, '')}`,
    );
  });
  parser.on('doctype', (doctype) => {
    if (/<!ENTITY/i.test(doctype)) {
      failure ??= new UserError(
        `${report}:${parser.line}: declares XML entities; refused (entities are never expanded)`,
      );
    }
  });
  parser.on('opentag', (tag: SaxesTag) => {
    const attrs = tag.attributes as Record<string, string>;
    if (!stats.root) {
      stats.root = tag.name;
      if (
        tag.name !== 'testsuites' &&
        tag.name !== 'testsuite' &&
        tag.name !== 'testrun' &&
        tag.name !== 'test-results'
      ) {
        failure ??= new UserError(
          `${report}:${parser.line}: root element <${tag.name}> is not JUnit; allowed: <testsuites> or <testsuite>`,
        );
      }
    }
    if (tag.name === 'testsuite') {
      suiteStack.push({ name: attrs.name ?? '', attributes: attrs, cases: 0, line: parser.line });
      suitePath = undefined;
      stats.suites++;
      return;
    }
    if (tag.name === 'testcase') {
      for (const s of suiteStack) s.cases++;
      open = {
        tc: {
          report,
          suites: currentSuites() as string[],
          classname: attrs.classname ?? attrs.class ?? '',
          name: attrs.name ?? '',
          time: num(attrs.time),
          outcome: 'passed',
          results: [],
          flakyRuns: [],
          reruns: [],
          attributes: attrs,
          properties: {},
          reportLine: parser.line,
        },
        text: [],
        textLen: 0,
      };
      return;
    }
    if (tag.name === 'properties') {
      inProperties++;
      return;
    }
    if (tag.name === 'property' && inProperties && open) {
      if (attrs.name) open.tc.properties[attrs.name] = attrs.value ?? '';
      return;
    }
    if (!open) return;
    const kind = RESULT_ELEMENTS[tag.name];
    if (kind) {
      const result: CaseResult = { outcome: kind.outcome, element: tag.name };
      if (attrs.message) result.message = cap(attrs.message);
      if (attrs.type) result.type = attrs.type;
      open.current = { element: tag.name, result };
      open.text = [];
      open.textLen = 0;
      const list =
        kind.kind === 'result'
          ? open.tc.results
          : kind.kind === 'flaky'
            ? open.tc.flakyRuns
            : open.tc.reruns;
      list.push(result);
      if (kind.kind === 'result') open.tc.outcome = worst(open.tc.outcome, kind.outcome);
    } else if (tag.name === 'system-out' || tag.name === 'system-err') {
      if (!open.current) {
        open.current = { element: tag.name };
        open.text = [];
        open.textLen = 0;
      }
    }
  });
  const onText = (t: string) => {
    if (!open?.current || open.textLen > TEXT_CAP) return;
    open.text.push(t);
    open.textLen += t.length;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', (tag) => {
    if (tag.name === 'properties') {
      inProperties = Math.max(0, inProperties - 1);
      return;
    }
    if (open?.current && tag.name === open.current.element) {
      const text = open.text.join('');
      const trimmed = text.trim();
      if (open.current.result) {
        if (trimmed) open.current.result.details = cap(trimmed);
      } else if (trimmed) {
        if (tag.name === 'system-out') open.tc.systemOut = cap(text);
        else open.tc.systemErr = cap(text);
      }
      open.current = undefined;
      open.text = [];
      open.textLen = 0;
      return;
    }
    if (tag.name === 'testcase' && open) {
      const tc = open.tc;
      open = undefined;
      // After an error the parser guesses; a case it closed by guessing was not written so.
      if (failure) return;
      stats.cases++;
      handlers.onCase(tc);
      return;
    }
    if (tag.name === 'testsuite') {
      const s = suiteStack.pop();
      suitePath = undefined;
      if (s && s.cases === 0 && handlers.onDeclaredSuite && !failure) {
        const a = s.attributes;
        handlers.onDeclaredSuite({
          report,
          suites: suiteStack.map((x) => x.name),
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
  });

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
    if (failure) throw failure;
  }
  parser.write(sanitizeXmlChunk(tail));
  if (blank)
    throw new UserError(
      `${report}:1: is empty; a JUnit report needs a <testsuites> or <testsuite> root`,
    );
  parser.close();
  if (failure) throw failure;
  if (!stats.root)
    throw new UserError(
      `${report}:1: is empty; a JUnit report needs a <testsuites> or <testsuite> root`,
    );
  return stats;
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
