import { UserError, quote } from '../../shared/errors.js';
import { toPytestMarkers, toTagRegex } from '../../shared/labels/compose.js';
import type { LabelExpr } from '../../shared/labels/filter.js';
import { quoteMeta } from '../../shared/labels/re2.js';

export const RUNNERS = ['ginkgo', 'go', 'jest', 'pytest', 'playwright', 'mocha'] as const;
export type Runner = (typeof RUNNERS)[number];

export interface ArgsRequest {
  runner: Runner;
  /** The final label filter (Ginkgo syntax) and its parse. */
  filter: string;
  expr: LabelExpr;
  focus: string;
  skip: string;
  /** Exact ids to run, when the inventory is known and they are needed. */
  exact?: string[];
  /** Ginkgo suite descriptions of the exact ids, where known (same order). */
  suites?: Array<string | undefined>;
  /** Native sharding for runners that shard by themselves (jest, playwright). */
  nativeShard?: { index: number; count: number };
}

/** A regex that matches exactly one of `ids` (Go and JavaScript agree on this subset). */
export function exactRegex(ids: readonly string[], anchored = true): string {
  const body = ids.map((id) => quoteMeta(id)).join('|');
  return anchored ? `^(?:${body})$` : `(?:${body})`;
}

/**
 * Ginkgo matches focus and skip against "<suite description> <spec text>": with the suite
 * known the match is exact, otherwise the id must end the text after a space.
 */
export function ginkgoExactRegex(
  ids: readonly string[],
  suites?: ReadonlyArray<string | undefined>,
): string {
  if (suites && suites.length === ids.length && suites.every((s) => s !== undefined)) {
    return exactRegex(ids.map((id, i) => `${suites[i]} ${id}`));
  }
  return `(?:^| )${exactRegex(ids, false)}$`;
}

/** Whether a runner needs exact names to honour this filter. */
export function needsExactNames(runner: Runner, expr: LabelExpr): boolean {
  if (expr.kind === 'all' || runner === 'ginkgo') return false;
  if (runner === 'go') return true;
  if (runner === 'pytest') return toPytestMarkers(expr) === undefined;
  return toTagRegex(expr) === undefined;
}

/**
 * A runner's command-line arguments. Exact ids, when given, replace the label filter and the
 * focus/skip patterns for runners that cannot express them (they were applied to the
 * inventory already).
 */
export function runnerArgs(req: ArgsRequest): string[] {
  switch (req.runner) {
    case 'ginkgo':
      return ginkgoArgs(req);
    case 'go':
      return goArgs(req);
    case 'pytest':
      return pytestArgs(req);
    case 'jest':
    case 'mocha':
    case 'playwright':
      return titleArgs(req);
  }
}

function ginkgoArgs(req: ArgsRequest): string[] {
  const args: string[] = [];
  if (req.expr.kind !== 'all') args.push(`--label-filter=${req.filter}`);
  if (req.exact) args.push(`--focus=${ginkgoExactRegex(req.exact, req.suites)}`);
  else {
    if (req.focus) args.push(`--focus=${req.focus}`);
    if (req.skip) args.push(`--skip=${req.skip}`);
  }
  return args;
}

function goArgs(req: ArgsRequest): string[] {
  if (req.exact) {
    // go test's -run splits on "/" into per-level patterns: select the top-level tests.
    const top = [...new Set(req.exact.map((id) => id.split('/')[0]))];
    return ['-run', exactRegex(top)];
  }
  if (req.expr.kind !== 'all') throw noLabels(req.runner);
  const args: string[] = [];
  if (req.focus) args.push('-run', req.focus);
  if (req.skip) args.push('-skip', req.skip);
  return args;
}

function pytestArgs(req: ArgsRequest): string[] {
  const { exact, expr } = req;
  if (exact) {
    // No node id would make pytest collect everything: an empty shard must run nothing.
    if (exact.length && exact.every((id) => id.includes('::'))) return [...exact];
    return exact.length
      ? ['-k', exact.map(pytestKeyword).join(' or ')]
      : ['-k', 'virt_ci_no_test_selected'];
  }
  const args: string[] = [];
  if (expr.kind !== 'all') {
    const markers = toPytestMarkers(expr);
    if (markers === undefined)
      throw noLabels(req.runner, 'only plain labels with &&, || and ! map to pytest markers');
    args.push('-m', markers);
  }
  const words: string[] = [];
  if (req.focus) words.push(pytestWords(req.focus, 'focus'));
  if (req.skip) words.push(`not ${pytestWords(req.skip, 'skip')}`);
  if (words.length) args.push('-k', words.join(' and '));
  return args;
}

/** jest, mocha and playwright select by test title: @tags, focus and skip in regexes. */
function titleArgs(req: ArgsRequest): string[] {
  const { runner, exact } = req;
  const args: string[] = [];
  const flag = runner === 'jest' ? '--testNamePattern' : '--grep';
  if (exact) {
    // Playwright matches --grep against the title path with project and file names; an
    // empty unanchored alternation would match every title, so nothing selected is (?!).
    if (runner === 'playwright' && exact.length === 0) args.push(flag, '(?!)');
    else args.push(flag, exactRegex(exact, runner !== 'playwright'));
  } else {
    let pattern = '';
    if (req.expr.kind !== 'all') {
      const tags = toTagRegex(req.expr);
      if (tags === undefined) throw noLabels(runner, 'set operations have no @tag form in titles');
      pattern = tags;
    }
    if (runner === 'playwright') {
      const grep = [pattern, req.focus].filter(Boolean);
      if (grep.length)
        args.push('--grep', grep.length > 1 ? `${grep[0]}(?=.*(?:${grep[1]}))` : grep[0]);
      if (req.skip) args.push('--grep-invert', req.skip);
    } else {
      // One pattern carries all three: tags, focus and, as a negative look-ahead, skip.
      if (req.skip) pattern = `^(?!.*(?:${req.skip}))${pattern.replace(/^\^/, '')}`;
      if (req.focus) pattern = `${pattern || '^'}(?=.*(?:${req.focus}))`;
      if (pattern) args.push(flag, pattern);
    }
  }
  if (req.nativeShard) args.push(`--shard=${req.nativeShard.index}/${req.nativeShard.count}`);
  return args;
}

function noLabels(runner: Runner, why = `${runner} has no label filter`): UserError {
  return new UserError(
    `input "runner": ${runner} cannot apply a label filter without an inventory (${why}); give input "inventory" so the exact tests can be selected, or use runner ginkgo`,
  );
}

function pytestKeyword(id: string): string {
  const name = id.split('::').pop() ?? id;
  if (!/^[\w.:+\-[\]\\/]+$/.test(name)) {
    throw new UserError(
      `input "runner": pytest -k cannot name the test ${quote(id)}; use node ids (path::name) in the inventory`,
    );
  }
  return name;
}

function pytestWords(regex: string, input: string): string {
  const words = regex.split('|');
  if (!words.every((w) => /^[A-Za-z_][\w]*$/.test(w))) {
    throw new UserError(
      `input "${input}": ${quote(regex)} cannot be passed to pytest -k, which takes words, not regular expressions; allowed for pytest: words separated by |`,
    );
  }
  return words.length > 1 ? `(${words.join(' or ')})` : words[0];
}
