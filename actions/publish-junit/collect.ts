import { errorMessage } from '../../shared/errors.js';
import { globFiles } from '../../shared/glob.js';
import { readJUnitFile } from '../../shared/junit/reader.js';
import type { BrokenReport } from './results.js';
import { Tally, displayPath } from './tally.js';

/** Files matching globs relative to the workspace (`!pattern` excludes), sorted, unique. */
export async function findFiles(patterns: string[], workspace: string): Promise<string[]> {
  return globFiles(patterns, workspace);
}

export interface Collected {
  tally: Tally;
  reports: string[];
  broken: BrokenReport[];
}

/**
 * Stream every report into one tally. A report that cannot be read is recorded by name and
 * line and the others are still counted: one broken file must not hide the rest.
 */
export async function collect(
  files: string[],
  opts: { workspace: string; flaky: boolean },
): Promise<Collected> {
  const tally = new Tally(opts);
  const reports: string[] = [];
  const broken: BrokenReport[] = [];
  for (const file of files) {
    const display = displayPath(file, opts.workspace);
    reports.push(display);
    try {
      await readJUnitFile(
        file,
        { onCase: (tc) => tally.add(tc), onDeclaredSuite: (s) => tally.addDeclared(s) },
        display,
      );
    } catch (err) {
      broken.push({ file: display, message: errorMessage(err) });
    }
  }
  return { tally, reports, broken };
}
