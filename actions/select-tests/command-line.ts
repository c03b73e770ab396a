import { shellQuote } from '../../shared/exec.js';
import {
  exactRegex,
  ginkgoExactRegex,
  goRunPattern,
  runnerArgs,
  type ArgsRequest,
} from './runners.js';

/**
 * Linux refuses to start a command with one argument, or one `NAME=value` of its
 * environment, of this many bytes or more: MAX_ARG_STRLEN, the terminating NUL included.
 */
export const MAX_ARG_STRLEN = 131072;
const ARG_LIMIT = MAX_ARG_STRLEN - 1;
/** The `args` output reaches a run step through `env:`: room for the variable's name. */
const ENV_LIMIT = ARG_LIMIT - 256;
/**
 * All arguments and the environment share ARG_MAX, a quarter of the stack limit (2 MiB with
 * the usual 8 MiB), and the runner's environment takes its part: past 1 MiB of arguments a
 * command line is risky.
 */
export const TOTAL_LIMIT = 1024 * 1024;

export interface CommandLines {
  /** One run of the runner that selects all of it: the `args` output. */
  args: string[];
  /**
   * The runs the arguments file lists. One, unless the runner takes a single pattern and the
   * selection's is over the limit for one argument: then each run selects a part of it, and
   * together, each test once, they run the selection.
   */
  runs: string[][];
  /** `args` is too long to pass on a command line or through an environment variable. */
  long: boolean;
  bytes: number;
  longest: number;
}

const bytes = (s: string) => Buffer.byteLength(s);
const total = (args: readonly string[]) => args.reduce((n, a) => n + bytes(a) + 1 + 8, 0);
const longest = (args: readonly string[]) => Math.max(0, ...args.map(bytes));

/** Each argument and the whole within what the kernel takes for one command. */
function fitsCommand(args: readonly string[]): boolean {
  return longest(args) <= ARG_LIMIT && total(args) <= TOTAL_LIMIT;
}

/** ...and, as the `args` and `args-json` outputs, within one environment variable. */
function fitsInline(args: readonly string[]): boolean {
  if (!fitsCommand(args)) return false;
  return Math.max(bytes(shellQuote(args)), bytes(JSON.stringify(args))) <= ENV_LIMIT;
}

/**
 * The runner's arguments, and how to hand them over when they are too long for a command
 * line: exact names as a trie first; then Ginkgo gets several `--focus` flags (it ORs them),
 * go, jest, mocha and playwright, whose pattern is one argument, several runs; pytest reads
 * its arguments from the file (`@file`, pytest 8.2 and later).
 */
export function commandLines(req: ArgsRequest, file: string): CommandLines {
  const plain = runnerArgs(req);
  const facts = (args: string[], runs: string[][], long: boolean): CommandLines => ({
    args,
    runs,
    long,
    bytes: total(args),
    longest: longest(args),
  });
  if (fitsInline(plain)) return facts(plain, [plain], false);
  if (req.runner === 'pytest') return { ...facts(plain, [plain], true), args: [`@${file}`] };
  if (!req.exact?.length) return facts(plain, [plain], true);
  const compact = runnerArgs({ ...req, compact: true });
  if (fitsInline(compact)) return facts(compact, [compact], false);
  const runs = splitRuns(req);
  // One run (Ginkgo's several --focus flags) is the args output itself.
  return facts(runs.length === 1 ? runs[0] : compact, runs, true);
}

/**
 * Halves of `items` (sorted, so that names sharing a prefix stay together) until each part's
 * arguments fit; a single item that does not fit stays as it is.
 */
function split<T>(items: T[], render: (part: T[]) => string[], fits: (args: string[]) => boolean) {
  const out: string[][] = [];
  const visit = (lo: number, hi: number) => {
    const args = render(items.slice(lo, hi));
    if (hi - lo <= 1 || fits(args)) out.push(args);
    else {
      const mid = (lo + hi) >>> 1;
      visit(lo, mid);
      visit(mid, hi);
    }
  };
  if (items.length) visit(0, items.length);
  return out;
}

function splitRuns(req: ArgsRequest): string[][] {
  const exact = req.exact ?? [];
  if (req.runner === 'go') return goRuns(exact, req.universe);
  if (req.runner !== 'ginkgo') {
    const ids = [...exact].sort();
    return split(ids, (part) => runnerArgs({ ...req, exact: part, compact: true }), fitsCommand);
  }
  // Ginkgo ORs its --focus flags: one run with several, each under the limit for one argument.
  const suites = req.suites;
  const specs = exact
    .map((id, i) => ({ id, suite: suites?.[i] }))
    .sort((a, b) => {
      const x = `${a.suite ?? ''} ${a.id}`;
      const y = `${b.suite ?? ''} ${b.id}`;
      return x < y ? -1 : x > y ? 1 : 0;
    });
  const focus = split(
    specs,
    (part) => [
      `--focus=${ginkgoExactRegex(
        part.map((s) => s.id),
        suites ? part.map((s) => s.suite) : undefined,
        true,
      )}`,
    ],
    (args) => longest(args) <= ARG_LIMIT,
  ).flat();
  const base = runnerArgs({ ...req, exact: undefined, focus: '', skip: '' });
  // A run per ~1 MiB of flags, should even the flags be too many for one command.
  const runs: string[][] = [];
  let run = [...base];
  for (const f of focus) {
    if (run.length > base.length && total([...run, f]) > TOTAL_LIMIT) {
      runs.push(run);
      run = [...base];
    }
    run.push(f);
  }
  runs.push(run);
  return runs;
}

/**
 * go test's runs, one depth of name at a time. go test keeps one compiled -run pattern and
 * compiles again whenever the level it matches asks for another (testing/internal/testdeps):
 * with `^Parent$/^(?:leaves)$`, every subtest compiles the long leaves pattern anew, which
 * for thousands of subtests takes minutes. So a run is `U/U/…/U`, one pattern U of every
 * level's names, compiled once, wherever no other test of the inventory then matches too;
 * else the per-parent form.
 */
function goRuns(exact: readonly string[], universe: readonly string[] | undefined): string[][] {
  const byDepth = new Map<number, string[]>();
  for (const id of exact) {
    const d = id.split('/').length;
    const list = byDepth.get(d) ?? [];
    if (list.length === 0) byDepth.set(d, list);
    list.push(id);
  }
  const levels = universe?.map((id) => id.split('/'));
  const runs: string[][] = [];
  for (const d of [...byDepth.keys()].sort((a, b) => a - b)) {
    const ids = (byDepth.get(d) ?? []).sort();
    const render = (part: string[]) => [
      '-run',
      (levels && samePattern(part, d, levels)) ?? goRunPattern(part, true),
    ];
    runs.push(...split(ids, render, fitsCommand));
  }
  return runs;
}

/** `U/U/…/U` for ids of depth `d`, when it selects exactly them among the inventory's tests. */
function samePattern(ids: readonly string[], d: number, universe: readonly string[][]) {
  const names = new Set<string>();
  for (const id of ids) for (const level of id.split('/')) names.add(level);
  const wanted = new Set(ids);
  // go test runs a test when each of its levels, up to the pattern's, matches; one with
  // fewer levels runs too (to reach deeper ones), and counts as run if it is a test itself.
  for (const levels of universe) {
    let all = true;
    for (let i = 0; i < Math.min(levels.length, d) && all; i++) all = names.has(levels[i]);
    if (all !== wanted.has(levels.join('/'))) return undefined;
  }
  const u = exactRegex([...names], true, true);
  return Array.from({ length: d }, () => u).join('/');
}
