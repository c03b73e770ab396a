import { createReadStream } from 'node:fs';
import type { FoundFile } from './files.js';
import { ginkgoSpecText } from './inventory.js';

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
  private readonly prefixes?: Set<string>;
  private readonly ginkgoNamesWanted: boolean = true;
  private lastClassname = '';
  private lastClassnameWanted = true;

  constructor(ids?: Iterable<string>) {
    if (!ids) return;
    this.index = new Map();
    this.prefixes = new Set();
    this.ginkgoNamesWanted = false;
    for (const id of ids) {
      if (this.index.has(id)) continue;
      this.index.set(id, this.index.size);
      if (!this.ginkgoNamesWanted && id.charCodeAt(0) === 91 && ginkgoSpecText(id) !== undefined)
        this.ginkgoNamesWanted = true;
      for (let i = id.indexOf('.'); i > 0; i = id.indexOf('.', i + 1))
        this.prefixes.add(id.slice(0, i));
    }
  }

  /** How many ids were given (each once). */
  get size(): number {
    return this.index?.size ?? 0;
  }

  /** The index of a given id, or -1. */
  indexOf(id: string): number {
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
    if (!this.index) return fn(key, -1);
    const i = this.index.get(key);
    if (i !== undefined) fn(key, i);
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
  constructor(wanted?: readonly string[]) {
    this.matcher = new CaseMatcher(wanted);
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

const JUNIT_ROOTS = new Set(['testsuites', 'testsuite', 'testrun']);

/**
 * One pass over a report for its testcases' name, classname and time alone: the tokenizer
 * and nothing else, no positions, no objects per case. False when the report is anything but
 * plain JUnit (invalid XML, characters XML forbids, entity declarations, another root): the
 * caller then reads it with the full reader, which handles those or says what is wrong.
 */
async function quickRead(
  file: string,
  onCase: (name: string, classname: string, time: string | undefined) => void,
): Promise<boolean> {
  const { SaxesParser } = await import('saxes');
  const parser = new SaxesParser({ position: false });
  let ok = true;
  let root = '';
  parser.on('error', () => {
    ok = false;
  });
  parser.on('doctype', (d) => {
    if (/<!ENTITY/i.test(d)) ok = false;
  });
  parser.on('opentag', (tag) => {
    if (!root) {
      root = tag.name;
      if (!JUNIT_ROOTS.has(root)) ok = false;
    }
    if (tag.name !== 'testcase' || !ok) return;
    const a = tag.attributes as Record<string, string | undefined>;
    onCase(a.name ?? '', a.classname ?? a.class ?? '', a.time);
  });
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 });
  try {
    for await (const chunk of stream) {
      parser.write(chunk as string);
      if (!ok) return false;
    }
    parser.close();
  } catch {
    // Unreadable here: the full reader names the problem.
    return false;
  } finally {
    stream.destroy();
  }
  return ok && root !== '';
}

export async function readTimings(
  files: readonly FoundFile[],
  wanted?: readonly string[],
): Promise<Timings> {
  const timings = new Timings(wanted);
  if (files.length === 0) return timings;
  // The XML readers load only when there is JUnit to read.
  const { num, readJUnitFile } = await import('../../shared/junit/reader.js');
  for (const f of files) {
    const back = timings.mark();
    const quick = await quickRead(f.file, (name, classname, time) =>
      timings.record(name, classname, num(time)),
    );
    if (quick) continue;
    back();
    await readJUnitFile(
      f.file,
      { onCase: (tc) => timings.record(tc.name, tc.classname, tc.time) },
      f.display,
    );
  }
  return timings;
}
