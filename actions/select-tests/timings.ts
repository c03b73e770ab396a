import type { FoundFile } from './files.js';
import { parseGinkgoJUnitName } from './inventory.js';

/**
 * Past durations by test id, from JUnit reports of earlier runs. A testcase answers to its
 * `name`, to `classname.name`, and (for Ginkgo's `[It] text [labels]` names) to the spec
 * text; several runs of one test average out.
 */
class Timings {
  private readonly sums = new Map<string, { total: number; runs: number }>();

  private add(key: string, seconds: number): void {
    const s = this.sums.get(key);
    if (s) {
      s.total += seconds;
      s.runs++;
    } else this.sums.set(key, { total: seconds, runs: 1 });
  }

  record(name: string, classname: string, seconds: number): void {
    const keys = new Set([name]);
    if (classname) keys.add(`${classname}.${name}`);
    const ginkgo = parseGinkgoJUnitName(name);
    if (ginkgo) keys.add(ginkgo.id);
    for (const k of keys) this.add(k, seconds);
  }

  /** Seconds, or undefined when no past run knows the test. */
  get(id: string): number | undefined {
    const s = this.sums.get(id);
    return s ? s.total / s.runs : undefined;
  }
}

export async function readTimings(files: readonly FoundFile[]): Promise<Timings> {
  const timings = new Timings();
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
