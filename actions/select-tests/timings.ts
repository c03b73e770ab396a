import { num } from '../../shared/junit/number.js';
import type { FoundFile } from './files.js';
import { ginkgoSpecText, type Positions } from './inventory.js';

/**
 * The wanted ids as a selection from a longer list that has an index already (the
 * inventory's): they are looked up there, and no second index is made for them.
 */
export interface WantedIn {
  /** The list, in its order. */
  tests: ReadonlyArray<{ readonly id: string }>;
  /** Each id's position in `tests`. */
  positions: Positions;
  /** For each position in `tests`, the index of its id among the wanted ones, or -1. */
  wantedAt: Int32Array;
}

/** How many tests past the last one found are compared before the index is asked. */
const LOOK_AHEAD = 4;

/**
 * Which tests a JUnit testcase answers to: its `name`, `classname.name`, and (for Ginkgo's
 * `[It] text [labels]` names) the spec text. The one rule for matching a report's testcases,
 * or the history's keys (classname and name), to inventory ids.
 *
 * Given the ids that may be asked for, a case is looked up only under keys that can hit: a
 * `classname.name` key is built only for a classname some id starts with, and a Ginkgo name
 * is looked up as it is only when some id is itself one (rare: ids are spec texts).
 */
export class CaseMatcher {
  /** Each id's position in the list given, or undefined: every key answers (index -1). */
  private readonly index?: Map<string, number>;
  private readonly within?: WantedIn;
  private readonly prefixes?: Set<string>;
  private readonly ginkgoNamesWanted: boolean = true;
  private readonly count: number = 0;
  private lastClassname = '';
  private lastClassnameWanted = true;
  /** Where in `within.tests` the next key is looked for first. */
  private cursor = 0;

  /** With `within`, `ids` are the wanted ids, each once, as `within.wantedAt` numbers them. */
  constructor(ids?: Iterable<string>, within?: WantedIn) {
    if (!ids) return;
    if (within) this.within = within;
    else this.index = new Map();
    this.prefixes = new Set();
    this.ginkgoNamesWanted = false;
    for (const id of ids) {
      if (this.index) {
        if (this.index.has(id)) continue;
        this.index.set(id, this.index.size);
      }
      this.count++;
      if (!this.ginkgoNamesWanted && id.charCodeAt(0) === 91 && ginkgoSpecText(id) !== undefined)
        this.ginkgoNamesWanted = true;
      for (let i = id.indexOf('.'); i > 0; i = id.indexOf('.', i + 1))
        this.prefixes.add(id.slice(0, i));
    }
  }

  /** How many ids were given (each once). */
  get size(): number {
    return this.count;
  }

  /** The index of a given id, or -1. */
  indexOf(id: string): number {
    if (this.within) {
      const p = this.within.positions.get(id);
      return p === undefined ? -1 : this.within.wantedAt[p];
    }
    return this.index?.get(id) ?? -1;
  }

  /** Calls `fn` once for each id the case answers to, with its index (-1 without ids). */
  each(name: string, classname: string, fn: (id: string, index: number) => void): void {
    // Only a name in Ginkgo's `[It] ...` form can hold a spec text.
    const text = name.charCodeAt(0) === 91 /* [ */ ? ginkgoSpecText(name) : undefined;
    if (text === undefined || this.ginkgoNamesWanted) this.offer(name, fn);
    if (classname && this.classnameWanted(classname)) this.offer(`${classname}.${name}`, fn);
    // The spec text is shorter than the name and `classname.name`: a key of its own.
    if (text !== undefined) this.offer(text, fn);
  }

  private offer(key: string, fn: (id: string, index: number) => void): void {
    if (this.within) {
      const i = this.find(this.within, key);
      if (i >= 0) fn(key, i);
      return;
    }
    if (!this.index) return fn(key, -1);
    const i = this.index.get(key);
    if (i !== undefined) fn(key, i);
  }

  /**
   * A report lists its tests mostly in the inventory's order, some left out (another shard's,
   * ones not run): the few tests after the last one found are compared first, and the index
   * is asked only when none of them is the key.
   */
  private find(within: WantedIn, key: string): number {
    const { tests, wantedAt } = within;
    const end = Math.min(this.cursor + LOOK_AHEAD, tests.length);
    for (let p = this.cursor; p < end; p++) {
      if (tests[p].id === key) {
        this.cursor = p + 1;
        return wantedAt[p];
      }
    }
    const p = within.positions.get(key);
    if (p === undefined) return -1;
    this.cursor = p + 1;
    return wantedAt[p];
  }

  private classnameWanted(classname: string): boolean {
    if (!this.prefixes) return true;
    if (classname !== this.lastClassname) {
      this.lastClassname = classname;
      this.lastClassnameWanted = this.prefixes.has(classname);
    }
    return this.lastClassnameWanted;
  }
}

/**
 * Past durations by test id, from JUnit reports of earlier runs, matched by CaseMatcher's
 * rule; several runs of one test average out. With the wanted ids known, sums go into arrays
 * by the id's index: no object, and no second map, per testcase.
 */
export class Timings {
  private readonly matcher: CaseMatcher;
  private readonly sums = new Map<string, { total: number; runs: number }>();
  private totals: Float64Array;
  private runs: Uint32Array;
  private readonly indexed: boolean;
  private readonly add = (id: string, i: number) => {
    if (i >= 0) {
      this.totals[i] += this.seconds;
      this.runs[i]++;
      return;
    }
    const s = this.sums.get(id);
    if (s) {
      s.total += this.seconds;
      s.runs++;
    } else this.sums.set(id, { total: this.seconds, runs: 1 });
  };
  private seconds = 0;

  /** Only ids in `wanted` are kept when it is given: the rest of a large suite is never looked up. */
  constructor(wanted?: readonly string[], within?: WantedIn) {
    this.matcher = new CaseMatcher(wanted, within);
    this.indexed = wanted !== undefined;
    this.totals = new Float64Array(this.matcher.size);
    this.runs = new Uint32Array(this.matcher.size);
  }

  record(name: string, classname: string, seconds: number): void {
    this.seconds = seconds;
    this.matcher.each(name, classname, this.add);
  }

  /** Seconds, or undefined when no past run knows the test. */
  get(id: string): number | undefined {
    if (this.indexed) {
      const i = this.matcher.indexOf(id);
      return i >= 0 ? this.at(i) : undefined;
    }
    const s = this.sums.get(id);
    return s ? s.total / s.runs : undefined;
  }

  /** Seconds of the i-th wanted id, or undefined. */
  at(i: number): number | undefined {
    return this.runs[i] ? this.totals[i] / this.runs[i] : undefined;
  }

  /** What has been recorded so far, to go back to when a report has to be read again. */
  mark(): () => void {
    const totals = this.totals.slice();
    const runs = this.runs.slice();
    const sums = new Map([...this.sums].map(([k, v]) => [k, { ...v }]));
    return () => {
      this.totals = totals;
      this.runs = runs;
      this.sums.clear();
      for (const [k, v] of sums) this.sums.set(k, v);
    };
  }
}

export async function readTimings(
  files: readonly FoundFile[],
  wanted?: readonly string[],
  within?: WantedIn,
): Promise<Timings> {
  const timings = new Timings(wanted, within);
  if (files.length === 0) return timings;
  // The JUnit readers load only when there is JUnit to read.
  const { readPlainCases } = await import('./quick-timings.js');
  for (const f of files) {
    const back = timings.mark();
    // A plain report (nearly all are) is read for its testcases alone, with no XML parser;
    // anything else is read again by the full reader, which says what is wrong with it.
    const plain = await readPlainCases(f.file, (name, classname, time) =>
      timings.record(name, classname, num(time)),
    );
    if (plain) continue;
    back();
    // The full reader (and the XML parser) loads only for a report that needs it.
    const { readJUnitFile } = await import('../../shared/junit/reader.js');
    await readJUnitFile(
      f.file,
      { onCase: (tc) => timings.record(tc.name, tc.classname, tc.time) },
      f.display,
    );
  }
  return timings;
}
