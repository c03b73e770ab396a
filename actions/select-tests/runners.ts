import { UserError, quote } from '../../shared/errors.js';
import { toPytestMarkers, toTagRegex } from '../../shared/labels/compose.js';
import type { LabelExpr } from '../../shared/labels/filter.js';
import { quoteMeta } from '../../shared/labels/re2.js';
import { trieAlternation } from './trie.js';

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
  /** Exact names as a trie (common prefixes factored out): the same tests, far fewer bytes. */
  compact?: boolean;
  /** Every test of the inventory, to check that a shorter pattern selects no other. */
  universe?: readonly string[];
}

/**
 * A regex that matches exactly one of `ids` (Go and JavaScript agree on this subset); with
 * `compact`, their common prefixes are factored out.
 */
export function exactRegex(ids: readonly string[], anchored = true, compact = false): string {
  const body =
    compact && ids.length > 0 ? trieAlternation(ids) : ids.map((id) => quoteMeta(id)).join('|');
  return anchored ? `^(?:${body})$` : `(?:${body})`;
}

/**
 * Ginkgo matches focus and skip against "<suite description> <spec text>": with the suite
 * known the match is exact, otherwise the id must end the text after a space.
 */
export function ginkgoExactRegex(
  ids: readonly string[],
  suites?: ReadonlyArray<string | undefined>,
  compact = false,
): string {
  if (suites && suites.length === ids.length && suites.every((s) => s !== undefined)) {
    return exactRegex(
      ids.map((id, i) => `${suites[i]} ${id}`),
      true,
      compact,
    );
  }
  return `(?:^| )${exactRegex(ids, false, compact)}$`;
}

/**
 * Without an inventory the runner applies focus and skip itself, by its own rules; a line
 * saying how they differ from Ginkgo's (a Go regex over the whole name), or undefined.
 */
export function inexactWithoutInventory(
  runner: Runner,
  expr: LabelExpr,
  focus: string,
  skip: string,
): string | undefined {
  const how = {
    ginkgo: undefined,
    go: 'go test matches -run and -skip level by level of the name split at "/"',
    pytest: 'pytest -k matches words in test, class, module and marker names, not a regex over ids',
    jest: 'jest matches --testNamePattern as a JavaScript regex, ignoring case',
    mocha: 'mocha matches --grep as a JavaScript regex',
    playwright: 'playwright matches --grep as a JavaScript regex over project, file and titles',
  }[runner];
  const markers =
    runner === 'pytest' && expr.kind !== 'all'
      ? 'pytest -m compares marker names with their case, Ginkgo labels ignore it'
      : undefined;
  const why = [focus || skip ? how : undefined, markers].filter(Boolean).join('; ');
  return why
    ? `${why}: the runner may select other tests than Ginkgo's semantics would; give input "inventory" for the exact tests`
    : undefined;
}

/**
 * jest matches --testNamePattern ignoring case (it adds the `i` flag), so of two names that
 * differ only in case one cannot run without the other: the message, or undefined.
 */
export function caseCollision(
  runner: Runner,
  exact: readonly string[],
  all: ReadonlyArray<{ id: string }>,
): string | undefined {
  if (runner !== 'jest') return undefined;
  const chosen = new Set(exact);
  const byFolded = new Map<string, string>();
  for (const t of all) if (!chosen.has(t.id)) byFolded.set(t.id.toLowerCase(), t.id);
  for (const id of exact) {
    const other = byFolded.get(id.toLowerCase());
    if (other !== undefined) {
      return `input "runner": jest matches test names ignoring case, so ${quote(id)} cannot run without ${quote(other)}; rename one of them or shard them together`;
    }
  }
  return undefined;
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
  if (req.exact) args.push(`--focus=${ginkgoExactRegex(req.exact, req.suites, req.compact)}`);
  else {
    if (req.focus) args.push(`--focus=${req.focus}`);
    if (req.skip) args.push(`--skip=${req.skip}`);
  }
  return args;
}

function goArgs(req: ArgsRequest): string[] {
  if (req.exact) return ['-run', goRunPattern(req.exact, req.compact)];
  if (req.expr.kind !== 'all') throw noLabels(req.runner);
  const args: string[] = [];
  if (req.focus) args.push('-run', req.focus);
  if (req.skip) args.push('-skip', req.skip);
  return args;
}

/**
 * go test splits -run at unbracketed "/" into one pattern per level and at top-level "|" into
 * alternatives (testing/match.go), so `^A$/^b$|^C$` runs A/b and C, and A only to reach A/b.
 * Ids that share a parent share one alternative whose last level lists them. Nothing selected
 * is `^$`: no test has an empty name.
 */
export function goRunPattern(ids: readonly string[], compact = false): string {
  if (ids.length === 0) return '^$';
  const byParent = new Map<string, string[]>();
  for (const id of ids) {
    const cut = id.lastIndexOf('/');
    const parent = cut < 0 ? '' : id.slice(0, cut);
    const leaves = byParent.get(parent) ?? [];
    if (leaves.length === 0) byParent.set(parent, leaves);
    leaves.push(cut < 0 ? id : id.slice(cut + 1));
  }
  return [...byParent]
    .map(([parent, leaves]) => {
      const levels = parent === '' ? [] : parent.split('/').map((l) => `^${quoteMeta(l)}$`);
      return [...levels, exactRegex(leaves, true, compact)].join('/');
    })
    .join('|');
}

/** Runs no test whatever the suite: no marker expression is both true and false. */
const PYTEST_NONE = ['-m', 'virt_ci_none and not virt_ci_none'];

function pytestArgs(req: ArgsRequest): string[] {
  const { exact, expr } = req;
  if (exact) {
    // Node ids select exactly (-k matches module, class and marker names too); no node id
    // would make pytest collect everything, so an empty shard gets an expression none passes.
    const bad = exact.find((id) => !id.includes('::'));
    if (bad !== undefined) {
      throw new UserError(
        `input "inventory": pytest selects tests exactly only by node id (path::name), and ${quote(bad)} is none; list the node ids (pytest --collect-only -q)`,
      );
    }
    return exact.length ? [...exact] : PYTEST_NONE;
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

/**
 * jest, mocha and playwright select by test title: @tags, focus and skip in regexes. jest
 * adds the `i` flag to its pattern, mocha none; playwright adds `gi` unless the pattern is
 * written `/.../`, so playwright's are, keeping focus and exact names case-sensitive.
 */
function titleArgs(req: ArgsRequest): string[] {
  const { runner, exact } = req;
  const args: string[] = [];
  const flag = runner === 'jest' ? '--testNamePattern' : '--grep';
  const play = (p: string) => `/${p}/`;
  if (exact) {
    // Playwright matches --grep against the project, file and title path joined by spaces,
    // then the test's tags: the id ends it, after a space. Nothing selected is (?!).
    if (runner === 'playwright')
      args.push(
        flag,
        play(exact.length ? `(?:^| )${exactRegex(exact, false, req.compact)}(?: @\\S+)*$` : '(?!)'),
      );
    else args.push(flag, exactRegex(exact, true, req.compact));
  } else {
    let pattern = '';
    if (req.expr.kind !== 'all') {
      const tags = toTagRegex(req.expr);
      if (tags === undefined)
        throw noLabels(runner, 'regexes and set operations have no @tag form in titles');
      pattern = tags;
    }
    if (runner === 'playwright') {
      const grep = [pattern, req.focus].filter(Boolean);
      if (grep.length)
        args.push('--grep', play(grep.length > 1 ? `${grep[0]}(?=.*(?:${grep[1]}))` : grep[0]));
      if (req.skip) args.push('--grep-invert', play(req.skip));
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

function pytestWords(regex: string, input: string): string {
  const words = regex.split('|');
  if (!words.every((w) => /^[A-Za-z_][\w]*$/.test(w))) {
    throw new UserError(
      `input "${input}": ${quote(regex)} cannot be passed to pytest -k, which takes words, not regular expressions; allowed for pytest: words separated by |`,
    );
  }
  return words.length > 1 ? `(${words.join(' or ')})` : words[0];
}
