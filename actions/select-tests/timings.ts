import type { FoundFile } from './files.js';
import { ginkgoSpecText } from './inventory.js';

/**
 * Past durations by test id, from JUnit reports of earlier runs. A testcase answers to its
 * `name`, to `classname.name`, and (for Ginkgo's `[It] text [labels]` names) to the spec
 * text; several runs of one test average out.
 */
class Timings {
  private readonly sums = new Map<string, { total: number; runs: number }>();

  /**
   * The classnames some wanted id starts with (followed by a dot): only those can make a
   * `classname.name` key worth building for a suite's every testcase.
   */
  private readonly prefixes?: Set<string>;
  /** Whether some wanted id is itself a Ginkgo JUnit name (rare: ids are spec texts). */
  private readonly ginkgoNamesWanted: boolean = true;
  private lastClassname = '';
  private lastClassnameWanted = true;

  /** Only ids in `wanted` are kept when it is given: the rest of a large suite is never looked up. */
  constructor(private readonly wanted?: ReadonlySet<string>) {
    if (!wanted) return;
    this.prefixes = new Set();
    this.ginkgoNamesWanted = false;
    for (const id of wanted) {
      if (!this.ginkgoNamesWanted && ginkgoSpecText(id) !== undefined)
        this.ginkgoNamesWanted = true;
      for (let i = id.indexOf('.'); i > 0; i = id.indexOf('.', i + 1))
        this.prefixes.add(id.slice(0, i));
    }
  }

  private classnameWanted(classname: string): boolean {
    if (!this.prefixes) return true;
    if (classname !== this.lastClassname) {
      this.lastClassname = classname;
      this.lastClassnameWanted = this.prefixes.has(classname);
    }
    return this.lastClassnameWanted;
  }

  private add(key: string, seconds: number): void {
    if (this.wanted && !this.wanted.has(key)) return;
    const s = this.sums.get(key);
    if (s) {
      s.total += seconds;
      s.runs++;
    } else this.sums.set(key, { total: seconds, runs: 1 });
  }

  record(name: string, classname: string, seconds: number): void {
    // Only a name in Ginkgo's `[It] ...` form can hold a spec text.
    const text = name.charCodeAt(0) === 91 /* [ */ ? ginkgoSpecText(name) : undefined;
    // Looking a long name up costs: skip the lookups that cannot hit.
    if (text === undefined || this.ginkgoNamesWanted) this.add(name, seconds);
    let qualified: string | undefined;
    if (classname && this.classnameWanted(classname)) {
      qualified = `${classname}.${name}`;
      this.add(qualified, seconds);
    }
    if (text !== undefined && text !== name && text !== qualified) this.add(text, seconds);
  }

  /** Seconds, or undefined when no past run knows the test. */
  get(id: string): number | undefined {
    const s = this.sums.get(id);
    return s ? s.total / s.runs : undefined;
  }
}

export async function readTimings(
  files: readonly FoundFile[],
  wanted?: ReadonlySet<string>,
): Promise<Timings> {
  const timings = new Timings(wanted);
  if (files.length === 0) return timings;
  // The XML reader loads only when there is JUnit to read.
  const { readJUnitFile } = await import('../../shared/junit/reader.js');
  for (const f of files) {
    await readJUnitFile(
      f.file,
      { onCase: (tc) => timings.record(tc.name, tc.classname, tc.time) },
      f.display,
    );
  }
  return timings;
}
