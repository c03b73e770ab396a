import { gunzipSync, gzipSync, type ZlibOptions } from 'node:zlib';

/**
 * One run's results in the test history: which tests ran in one job of one environment, with
 * what outcome, how many attempts and how long, and the run's facts (commit, run id and
 * attempt, branch, time). Stored as gzipped JSON, tests keyed by their identity: a run of 10k
 * tests takes a few hundred kB at most.
 */
export const HISTORY_VERSION = 1;

/** Outcome codes in the stored form, in this order. */
export const OUTCOMES = ['passed', 'failed', 'flaky', 'skipped'] as const;
export type HistoryOutcome = (typeof OUTCOMES)[number];

export { displayKey, splitKey, testKey } from './keys.js';

export interface HistoryTest {
  outcome: HistoryOutcome;
  attempts: number;
  durationMs: number;
}

export interface HistoryRun {
  repository: string;
  workflow: string;
  /** The profile's environment name; `default` when the step named none. */
  environment: string;
  runId: string;
  runAttempt: number;
  sha: string;
  branch: string;
  /** When the run's results were published (ISO 8601). */
  time: string;
  tests: Map<string, HistoryTest>;
  /** The tests as columns, for a run read from a store (see Interner). */
  columns?: Columns;
}

/**
 * The stored form: gzipped, two JSON texts on two lines. The first holds the run's facts and
 * its tests column by column (one outcome digit a test in a string, attempts, milliseconds);
 * the second the test ids, in the same order. Runs of one environment mostly hold the same
 * ids in the same order, so a reader that meets the same second line again reuses what it
 * made of it and parses only the first: reading 100 runs of 10k tests parses the ids once.
 */
interface Stored {
  v: number;
  repository: string;
  workflow: string;
  environment: string;
  runId: string;
  runAttempt: number;
  sha: string;
  branch: string;
  time: string;
  /** One digit a test: its index in OUTCOMES. */
  outcomes: string;
  attempts: number[];
  ms: number[];
}

export function encodeRun(run: HistoryRun): Buffer {
  const { tests, columns: _columns, ...facts } = run;
  const ids: string[] = [];
  let outcomes = '';
  const attempts: number[] = [];
  const ms: number[] = [];
  for (const [id, t] of tests) {
    ids.push(id);
    outcomes += String(OUTCOMES.indexOf(t.outcome));
    attempts.push(t.attempts);
    ms.push(Math.round(t.durationMs));
  }
  const stored: Stored = { v: HISTORY_VERSION, ...facts, outcomes, attempts, ms };
  return gzipSync(`${JSON.stringify(stored)}\n${JSON.stringify(ids)}\n`);
}

/**
 * Reading many runs: each test id gets one number across them all, so the analysis works on
 * typed arrays, and a run's map of tests is built only when something asks for it. An ids
 * line equal to the one read before (compared as text) gives the same numbers without being
 * parsed again.
 */
export class Interner {
  private readonly index = new Map<string, number>();
  readonly names: string[] = [];
  private last: { bytes: Buffer; numbers: Int32Array } | undefined;

  number(id: string): number {
    let n = this.index.get(id);
    if (n === undefined) {
      n = this.names.length;
      this.index.set(id, n);
      this.names.push(id);
    }
    return n;
  }

  /** The numbers of the ids in a stored ids line, or why it is not one. */
  numbersOf(bytes: Buffer): Int32Array | string {
    // Compared as bytes: an unchanged line never becomes a string at all.
    if (this.last?.bytes.equals(bytes)) return this.last.numbers;
    let ids: unknown;
    try {
      ids = JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      return `the ids line is not JSON (${(err as Error).message.split('\n')[0]})`;
    }
    if (!Array.isArray(ids)) return 'the ids line is not a list';
    const out = new Int32Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id: unknown = ids[i];
      if (typeof id !== 'string') return `test id ${i + 1} is not a string`;
      out[i] = this.number(id);
    }
    this.last = { bytes, numbers: out };
    return out;
  }
}

/** A run's tests as columns: id numbers of one Interner, outcome codes, attempts, times. */
export interface Columns {
  interner: Interner;
  ids: Int32Array;
  codes: Uint8Array;
  attempts: Int32Array;
  ms: Float64Array;
}

/**
 * A test's outcome in one run, without building the run's map of tests: its place in the
 * columns is looked for where the same id sat in the run looked at before (runs mostly keep
 * their order), then everywhere.
 */
export class OutcomeFinder {
  private hint = 0;
  constructor(private readonly interner: Interner) {}

  outcome(run: HistoryRun, id: string): HistoryOutcome | undefined {
    const c = run.columns;
    if (!c || c.interner !== this.interner) return run.tests.get(id)?.outcome;
    const n = this.interner.number(id);
    const ids = c.ids;
    const i = this.hint < ids.length && ids[this.hint] === n ? this.hint : ids.indexOf(n);
    if (i < 0) return undefined;
    this.hint = i;
    return OUTCOMES[c.codes[i]];
  }
}

/** The columns of `run` under `interner`: the stored ones when they share it, else built. */
export function columnsOf(run: HistoryRun, interner: Interner): Columns {
  if (run.columns?.interner === interner) return run.columns;
  const n = run.tests.size;
  const c: Columns = {
    interner,
    ids: new Int32Array(n),
    codes: new Uint8Array(n),
    attempts: new Int32Array(n),
    ms: new Float64Array(n),
  };
  let i = 0;
  for (const [id, t] of run.tests) {
    c.ids[i] = interner.number(id);
    c.codes[i] = OUTCOMES.indexOf(t.outcome);
    c.attempts[i] = t.attempts;
    c.ms[i] = t.durationMs;
    i++;
  }
  return c;
}

// Largest output chunk asked for: an entry of some 80k tests. A bigger one takes more chunks.
const MAX_CHUNK = 8 * 1024 * 1024;

/**
 * zlib options that inflate an entry in one piece. The gzip trailer's last four bytes give
 * the inflated length (ISIZE), and one output chunk that long leaves nothing to join. zlib's
 * own 16 kB chunks made a 1 MB entry 64 chunks and a copy of them all: about half the time
 * of reading 100 entries, and garbage that lifted the read's peak. A wrong trailer asks for
 * at most MAX_CHUNK; zlib checks the length at the end and refuses the entry, as before.
 */
export function inflateOptions(gz: Buffer): ZlibOptions {
  if (gz.length < 4) return {};
  const size = gz.readUInt32LE(gz.length - 4);
  // One byte more than the text: zlib starts a new chunk when one is exactly full.
  return { chunkSize: Math.min(MAX_CHUNK, Math.max(16 * 1024, size + 1)) };
}

/** The run in `bytes` (gzipped), or a one-line reason it is not one this version can read. */
export function decodeRun(bytes: Buffer, interner = new Interner()): HistoryRun | { bad: string } {
  let raw: Buffer;
  try {
    raw = gunzipSync(bytes, inflateOptions(bytes));
  } catch (err) {
    return { bad: `not a gzipped history entry (${(err as Error).message.split('\n')[0]})` };
  }
  return decodeInflated(raw, interner);
}

/** The run in an entry already gunzipped. */
export function decodeInflated(
  raw: Buffer,
  interner = new Interner(),
): HistoryRun | { bad: string } {
  const nl = raw.indexOf(10);
  let stored: Partial<Stored>;
  try {
    stored = JSON.parse((nl < 0 ? raw : raw.subarray(0, nl)).toString('utf8')) as Partial<Stored>;
  } catch (err) {
    return { bad: `not a JSON history entry (${(err as Error).message.split('\n')[0]})` };
  }
  if (!stored || typeof stored !== 'object') return { bad: 'not a history entry' };
  if (stored.v !== HISTORY_VERSION) {
    return {
      bad: `history version ${JSON.stringify(stored.v)}; this version reads ${HISTORY_VERSION}`,
    };
  }
  for (const field of [
    'repository',
    'workflow',
    'environment',
    'runId',
    'sha',
    'branch',
    'time',
  ] as const) {
    if (typeof stored[field] !== 'string') return { bad: `"${field}" is not a string` };
  }
  if (!Number.isInteger(stored.runAttempt) || (stored.runAttempt as number) < 1) {
    return { bad: '"runAttempt" is not a whole number from 1' };
  }
  if (Number.isNaN(Date.parse(stored.time as string))) return { bad: '"time" is not a date' };
  if (nl < 0) return { bad: 'the entry has no ids line' };
  const end = raw[raw.length - 1] === 10 ? raw.length - 1 : raw.length;
  const ids = interner.numbersOf(raw.subarray(nl + 1, end));
  if (typeof ids === 'string') return { bad: ids };
  const columns = decodeColumns(stored, ids, interner);
  if (typeof columns === 'string') return { bad: columns };
  const s = stored as Stored;
  let tests: Map<string, HistoryTest> | undefined;
  const run: HistoryRun = {
    repository: s.repository,
    workflow: s.workflow,
    environment: s.environment,
    runId: s.runId,
    runAttempt: s.runAttempt,
    sha: s.sha,
    branch: s.branch,
    time: s.time,
    get tests() {
      return (tests ??= testsOf(columns));
    },
  };
  // Not enumerable: a run read back equals the run written.
  Object.defineProperty(run, 'columns', { value: columns, enumerable: false });
  return run;
}

function testsOf(c: Columns): Map<string, HistoryTest> {
  const tests = new Map<string, HistoryTest>();
  for (let i = 0; i < c.ids.length; i++)
    tests.set(c.interner.names[c.ids[i]], {
      outcome: OUTCOMES[c.codes[i]],
      attempts: c.attempts[i],
      durationMs: c.ms[i],
    });
  return tests;
}

function decodeColumns(
  stored: Partial<Stored>,
  ids: Int32Array,
  interner: Interner,
): Columns | string {
  const { outcomes, attempts, ms } = stored;
  if (typeof outcomes !== 'string' || !Array.isArray(attempts) || !Array.isArray(ms))
    return '"outcomes", "attempts" and "ms" are not the columns of a run';
  const n = ids.length;
  if (outcomes.length !== n || attempts.length !== n || ms.length !== n)
    return `the columns differ in length (${n} ids, ${outcomes.length} outcomes, ${attempts.length} attempts, ${ms.length} times)`;
  const codes = new Uint8Array(n);
  const a = new Int32Array(n);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const code = outcomes.charCodeAt(i) - 48;
    const tries = attempts[i] as unknown;
    const time = ms[i] as unknown;
    if (
      !(code >= 0 && code < OUTCOMES.length) ||
      !Number.isInteger(tries) ||
      (tries as number) < 0 ||
      typeof time !== 'number' ||
      !(time >= 0)
    )
      return `test ${JSON.stringify(interner.names[ids[i]].slice(0, 80))} has no valid outcome, attempts and time`;
    codes[i] = code;
    a[i] = tries as number;
    d[i] = time;
  }
  return { interner, ids, codes, attempts: a, ms: d };
}
