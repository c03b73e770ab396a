// Sync calls on purpose: a few small ones per report, before any report is read.
import { closeSync, fstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../../shared/errors.js';
import { globFiles } from '../../shared/glob.js';
import { readJUnitFile, type TestCase } from '../../shared/junit/reader.js';
import type { BrokenReport } from './results.js';
import { Tally, displayPath } from './tally.js';
import { tierForReading } from './tiering.js';

/** Files matching globs relative to the workspace (`!pattern` excludes), sorted, unique. */
export async function findFiles(patterns: string[], workspace: string): Promise<string[]> {
  return globFiles(patterns, workspace);
}

/** Sees every test case after the tally (the test history keeps each test's outcome). */
export type CaseObserver = (tc: TestCase, shared: boolean) => void;

export interface Collected {
  tally: Tally;
  reports: string[];
  broken: BrokenReport[];
}

// The first `timestamp` attribute sits in the root or first suite's start tag.
const HEAD_BYTES = 16 * 1024;
const TIMESTAMP = /<testsuites?\b[^>]*?\stimestamp\s*=\s*["']([^"']+)["']/;

/** When a report's run started: its `timestamp` attribute, else the file's modification time. */
function startedAt(file: string): number {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const buf = Buffer.alloc(HEAD_BYTES);
    const bytesRead = readSync(fd, buf, 0, HEAD_BYTES, 0);
    const m = TIMESTAMP.exec(buf.subarray(0, bytesRead).toString('utf8'));
    // A timestamp without a zone ("2024-10-24T12:07:54", Surefire, pytest) is read as UTC
    // for every report alike, so their order holds.
    const t = m ? Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(m[1]) ? m[1] : `${m[1]}Z`) : NaN;
    if (Number.isFinite(t)) return t;
    return fstatSync(fd).mtimeMs;
  } catch {
    return 0;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Each file once: a glob through a symbolic link to a folder (reports/latest -> .) matches
 * one report under two names, and one run counted twice is not two runs. A link that
 * cannot be resolved (a loop) stays, and reading it says what is wrong.
 */
function distinct(files: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const f of files) {
    let real = f;
    try {
      real = realpathSync.native(f);
    } catch {
      // Kept under its own name: the reader reports the loop or the missing target.
    }
    if (seen.has(real)) continue;
    seen.add(real);
    out.push(f);
  }
  return out;
}

/**
 * The reports in reading order: by directory, and inside one directory by when each run
 * started, so a rerun is read after the run it repeats whatever the files are called.
 */
export async function readingOrder(files: string[]): Promise<{ file: string; shared: boolean }[]> {
  const byDir = new Map<string, string[]>();
  for (const f of distinct(files)) {
    const d = path.dirname(f);
    const group = byDir.get(d);
    if (group) group.push(f);
    else byDir.set(d, [f]);
  }
  const out: { file: string; shared: boolean }[] = [];
  for (const [, group] of [...byDir].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    if (group.length === 1) {
      out.push({ file: group[0], shared: false });
      continue;
    }
    const timed = group.map((file) => ({ file, t: startedAt(file) }));
    timed.sort((a, b) => a.t - b.t || (a.file < b.file ? -1 : 1));
    for (const { file } of timed) out.push({ file, shared: true });
  }
  return out;
}

/** Bytes in all the files; one that cannot be read counts nothing (reading it says why). */
function totalSize(files: { file: string }[]): number {
  let bytes = 0;
  for (const { file } of files)
    try {
      bytes += statSync(file).size;
    } catch {
      // Missing, a loop of links: the reader says what is wrong with it.
    }
  return bytes;
}

/**
 * Stream every report into one tally. A report that cannot be read is recorded by name and
 * line and the others are still counted: one broken file must not hide the rest.
 */
export async function collect(
  files: string[],
  opts: { workspace: string; flaky: boolean; observe?: CaseObserver },
): Promise<Collected> {
  const tally = new Tally(opts);
  const reports: string[] = [];
  const broken: BrokenReport[] = [];
  const order = await readingOrder(files);
  await tierForReading(totalSize(order));
  for (const { file, shared } of order) {
    const display = displayPath(file, opts.workspace);
    reports.push(display);
    tally.beginReport({ report: display, shared });
    try {
      await readJUnitFile(
        file,
        {
          onCase: opts.observe
            ? (tc) => {
                tally.add(tc);
                opts.observe?.(tc, shared);
              }
            : (tc) => tally.add(tc),
          onDeclaredSuite: (s) => tally.addDeclared(s),
          onSuiteEnd: (s) => tally.endSuite(s),
          onRootEnd: (r) => tally.endRoot(r),
        },
        display,
      );
    } catch (err) {
      broken.push({ file: display, message: errorMessage(err) });
    }
    tally.endReport();
  }
  return { tally, reports, broken };
}
