import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserError, quote } from '../../shared/errors.js';
import { andFilters, anyOf, noneOf, toTagRegex } from '../../shared/labels/compose.js';
import {
  cleanLabel,
  LabelFilterError,
  labelMatcher,
  parseLabelFilter,
  type LabelExpr,
  type LabelMatcher,
} from '../../shared/labels/filter.js';
import {
  compileGoRegexp,
  GoRegexpError,
  loadGoRegexp,
  type GoRegexp,
} from '../../shared/labels/re2.js';
import type { Profile } from '../../shared/profile.js';
import { expandPaths } from './files.js';
import { goLeaves, readInventory, type Inventory } from './inventory.js';
import { environmentMatrix } from './matrix.js';
import { resolvePrLabels, steeringLabels, type PrLabels } from './pr-labels.js';
import { readQuarantine, type Quarantine } from './quarantine.js';
import { commandLines, MAX_ARG_STRLEN } from './command-line.js';
import type { HistoryRead } from './history.js';
import { historyWanted, rerunning } from './rerun.js';
import {
  caseCollision,
  ginkgoExactRegex,
  inexactWithoutInventory,
  type ArgsRequest,
  type Runner,
} from './runners.js';
import { assignShards, expectedDurations, lowerBound } from './shards.js';
import { readTimings, type WantedIn } from './timings.js';
import type { Deps, Options, Selection } from './types.js';

/**
 * The selection, step by step: check the inputs, read the PR labels, the history and the
 * quarantine, compose the filter, then either hand it to the runner as it is (no inventory)
 * or apply it to the inventory, shard the tests, narrow a re-run to what failed, and name
 * them exactly. Warnings and notices go to their lists as they are found, so the caller
 * still has them when a later step fails.
 */
export async function selectTests(
  opts: Options,
  deps: Deps,
  warnings: string[] = [],
  notices: string[] = [],
): Promise<Selection> {
  if (opts.labelFilter.includes('/') || opts.focus || opts.skip) await loadGoRegexp();
  const patterns = checkInputs(opts);
  const pr = await resolvePrLabels(opts.prLabels, deps.retry);
  warnings.push(...pr.warnings);
  const steer = steeringOf(pr.labels);
  const history =
    opts.history && historyWanted(opts)
      ? await readHistory(opts, deps, warnings, notices)
      : undefined;
  const fromFile = opts.quarantine
    ? await readQuarantine(opts.workspace, opts.quarantine, deps.now(), opts.sources.quarantine)
    : undefined;
  const matrix = opts.matrix ? await checkedMatrix(requireProfile(opts)) : undefined;
  const inventory = opts.inventory.length ? await readInventoryInput(opts) : undefined;
  const quarantine =
    opts.autoQuarantine && history
      ? history.code.autoQuarantine(
          history,
          opts,
          deps.now(),
          inventory?.tests.map((t) => t.id),
          notices,
        )
      : fromFile;
  const left = quarantined(quarantine, warnings);
  const { expr, unquarantined, ...composed } = composeFilter(opts, steer, left.labels);
  const sel: Selection = {
    ...composed,
    focus: opts.focus,
    // Quarantined tests leave through the skip pattern, so runners without an inventory skip
    // them too. The id ends the name after a space or at its start: Ginkgo prefixes the suite.
    skip: [opts.skip, left.tests.size ? ginkgoExactRegex([...left.tests]) : '']
      .filter(Boolean)
      .join('|'),
    args: [],
    prLabels: pr.labels,
    quarantine,
    runner: opts.runner,
    warnings,
    notices,
    ...(matrix ? { matrix } : {}),
  };
  const req = inventory
    ? await fromInventory(sel, { expr, unquarantined }, opts, patterns, {
        inventory,
        quarantinedTests: left.tests,
        history,
      })
    : withoutInventory(sel, expr, opts, history);
  handOver(sel, req, opts);
  return sel;
}

interface Patterns {
  focus?: GoRegexp;
  skip?: GoRegexp;
}

/** Everything that can be wrong with the inputs alone, found before any file is read. */
/** The history as read, with the code that answers from it. */
interface History extends HistoryRead {
  code: typeof import('./history.js');
}

/** The history's code (the stores, zlib) loads only for a step that reads the history. */
async function readHistory(
  opts: Options,
  deps: Deps,
  warnings: string[],
  notices: string[],
): Promise<History | undefined> {
  if (!opts.history) return undefined;
  const code = await import('./history.js');
  const read = await code.readHistory(
    opts.history,
    { rerun: rerunning(opts), now: deps.now(), cache: deps.cache },
    warnings,
    notices,
  );
  return { ...read, code };
}

function checkInputs(opts: Options): Patterns {
  const scopeWhat =
    opts.scopeSource === 'input'
      ? 'input "label-filter"'
      : `${opts.profile?.file ?? 'profile'}: ${opts.environment ? `environments.${opts.environment}` : 'defaults'}.tests.labelFilter`;
  parseFilter(opts.labelFilter, scopeWhat);
  const patterns = { focus: goRegexp(opts.focus, 'focus'), skip: goRegexp(opts.skip, 'skip') };
  if (opts.shardIndex > opts.shardCount) {
    throw new UserError(
      `input "shard-index": ${opts.shardIndex} is above shard-count ${opts.shardCount}; shards are numbered 1..${opts.shardCount}`,
    );
  }
  return patterns;
}

function parseFilter(filter: string, what: string): LabelExpr {
  try {
    return parseLabelFilter(filter);
  } catch (err) {
    if (!(err instanceof LabelFilterError)) throw err;
    const at = err.location < 0 ? 'at the end' : `at position ${err.location + 1}`;
    throw new UserError(`${what}: syntax error ${at}: ${err.reason} In: ${err.pointer()}`);
  }
}

function goRegexp(pattern: string, input: string): GoRegexp | undefined {
  if (!pattern) return undefined;
  try {
    return compileGoRegexp(pattern);
  } catch (err) {
    if (err instanceof GoRegexpError)
      throw new UserError(`input "${input}": ${quote(pattern)}: ${err.message}`);
    throw err;
  }
}

/** The quarantine's labels and test ids that are in force; ended entries become warnings. */
function quarantined(
  quarantine: Quarantine | undefined,
  warnings: string[],
): { labels: string[]; tests: Set<string> } {
  const active = quarantine?.active ?? [];
  // An ended entry of a file is someone's to remove; one the history made ends by itself.
  for (const e of quarantine?.auto ? [] : (quarantine?.expired ?? [])) {
    warnings.push(`quarantine of ${e.kind} ${quote(e.value)} ended on ${e.until}; it runs again`);
  }
  return {
    labels: active.filter((e) => e.kind === 'label').map((e) => e.value),
    tests: new Set(active.filter((e) => e.kind === 'test').map((e) => e.value)),
  };
}

/** scope && PR focus && !PR skip && !quarantined labels, with where each part came from. */
function composeFilter(
  opts: Options,
  steer: Steering,
  quarantinedLabels: string[],
): Pick<Selection, 'filter' | 'parts'> & { expr: LabelExpr; unquarantined: LabelExpr } {
  const parts = [
    {
      source: opts.scopeSource === 'none' ? 'scope' : `scope (${opts.scopeSource})`,
      filter: opts.labelFilter.trim(),
    },
    { source: 'PR labels virt-ci/focus:', filter: anyOf(steer.focus) },
    { source: 'PR labels virt-ci/skip:', filter: noneOf(steer.skip) },
    { source: QUARANTINE, filter: noneOf(quarantinedLabels) },
  ].filter((p) => p.filter !== '');
  const filter = andFilters(parts.map((p) => p.filter));
  const expr = parseFilter(filter, 'the combined label filter');
  if (quarantinedLabels.length === 0) return { filter, parts, expr, unquarantined: expr };
  const rest = andFilters(parts.filter((p) => p.source !== QUARANTINE).map((p) => p.filter));
  return { filter, parts, expr, unquarantined: parseFilter(rest, 'the label filter') };
}

const QUARANTINE = 'quarantined labels';

interface Steering {
  focus: string[];
  skip: string[];
}

/** The labels the PR's virt-ci/focus: and virt-ci/skip: labels name, checked. */
function steeringOf(prLabels: PrLabels): Steering {
  const steer = steeringLabels(prLabels.names);
  return { focus: steering(steer.focus, 'focus'), skip: steering(steer.skip, 'skip') };
}

function steering(names: readonly string[], kind: string): string[] {
  return names.map((n) => {
    const clean = cleanLabel(n);
    if (clean === undefined) {
      throw new UserError(
        `pull request label "virt-ci/${kind}:${n}": ${quote(n)} is not a valid Ginkgo label; labels are not empty and contain none of &|!,()/`,
      );
    }
    return clean;
  });
}

function requireProfile(opts: Options): Profile {
  if (!opts.profile) {
    throw new UserError(
      'input "matrix": true needs a profile with environments, and none was found (input "profile")',
    );
  }
  return opts.profile;
}

/**
 * Every environment's filter goes to a job of its own: each is checked here, in the one job
 * that reads them all, and a bad one names its profile field.
 */
async function checkedMatrix(profile: Profile) {
  const filters = profile.environments.map((e) => e.tests.labelFilter ?? '');
  if (filters.some((f) => f.includes('/'))) await loadGoRegexp();
  profile.environments.forEach((e, i) => {
    const own = filters[i] !== (profile.defaults.tests.labelFilter ?? '');
    parseFilter(
      filters[i],
      `${profile.file}: ${own ? `environments.${e.name}` : 'defaults'}.tests.labelFilter`,
    );
  });
  return environmentMatrix(profile);
}

/** No inventory: the runner applies the filter itself (and shards, if it can). */
function withoutInventory(
  sel: Selection,
  expr: LabelExpr,
  opts: Options,
  history: History | undefined,
): ArgsRequest {
  const sharded = opts.shardCount > 1;
  if (sharded && opts.runner !== 'jest' && opts.runner !== 'playwright') {
    throw new UserError(
      `input "shard-count": ${opts.runner} cannot split tests by itself; give input "inventory" so shards can be made by test (jest and playwright shard without one)`,
    );
  }
  if (opts.failOnEmpty)
    sel.warnings.push('fail-on-empty needs an inventory to count tests; not checked');
  const exact = history && rerunning(opts) ? rerunByName(sel, opts, history) : undefined;
  const inexact = exact
    ? undefined
    : inexactWithoutInventory(opts.runner, expr, opts.focus, sel.skip);
  if (inexact) sel.warnings.push(inexact);
  return {
    runner: opts.runner,
    filter: sel.filter,
    expr,
    focus: opts.focus,
    skip: sel.skip,
    ...(exact ? { exact } : {}),
    ...(sharded && !exact
      ? { nativeShard: { index: opts.shardIndex, count: opts.shardCount } }
      : {}),
  };
}

/**
 * A re-run without an inventory: the names that failed in the attempt before, where the
 * runner can select by them and no shard of its own splits them; else undefined, and why.
 */
function rerunByName(sel: Selection, opts: Options, history: History): string[] | undefined {
  const finding = history.code.rerunFinding(history, opts, undefined);
  const head = `re-run of attempt ${opts.run.attempt}`;
  if (finding.kind === 'as-usual') {
    sel.notices.push(finding.why);
    return undefined;
  }
  const why =
    opts.runner === 'pytest'
      ? 'pytest selects exactly by node id, which its JUnit report does not keep'
      : opts.shardCount > 1
        ? `${opts.runner} would split the failed tests across its own shards again`
        : finding.failed === 0
          ? `attempt ${opts.run.attempt - 1} recorded no failed test`
          : '';
  if (why) {
    sel.notices.push(`${head}: ${why}; selecting as usual (give input "inventory" to narrow it)`);
    return undefined;
  }
  const names = history.code.failedNames(history, opts);
  sel.rerun = { attempt: opts.run.attempt, failed: names.length };
  return names;
}

/** With an inventory: the tests that match, this job's shard of them, named exactly. */
async function fromInventory(
  sel: Selection,
  { expr, unquarantined }: { expr: LabelExpr; unquarantined: LabelExpr },
  opts: Options,
  patterns: Patterns,
  given: { inventory: Inventory; quarantinedTests: Set<string>; history?: History },
): Promise<ArgsRequest> {
  const { inventory, quarantinedTests, history } = given;
  const { selected, suites, quarantinedOut, at } = matching(
    inventory,
    { expr, unquarantined },
    patterns,
    quarantinedTests,
  );
  if (selected.length === 0 && opts.failOnEmpty) {
    throw new UserError(
      `no test matches: ${inventory.tests.length} tests in ${inventory.files.join(', ')}, none selected by ${quote(sel.filter || '(everything)')}${opts.focus ? ` focus ${quote(opts.focus)}` : ''}${opts.skip ? ` skip ${quote(opts.skip)}` : ''} (fail-on-empty is true)`,
    );
  }
  sel.inventory = inventory;
  sel.selected = selected;
  sel.tests = selected;
  sel.quarantinedOut = quarantinedOut;
  const sharded = opts.shardCount > 1;
  // Positions in `selected` of this job's tests; undefined: all of them.
  let mine: number[] | undefined;
  if (sharded) {
    const { positions, ...shards } = await shard(
      selected,
      opts,
      sel.warnings,
      within(inventory, at),
    );
    Object.assign(sel, shards);
    mine = positions;
  }
  const narrowed = history && rerunning(opts) ? narrowRerun(sel, opts, history) : undefined;
  if (narrowed) {
    mine = mine ? narrowed.map((i) => (mine as number[])[i]) : narrowed;
    sel.tests = mine.map((i) => selected[i]);
  }
  // Every runner but Ginkgo matches names its own way (per level, by keyword, ignoring case):
  // once anything is left out, the exact names are what selects exactly, unless the @tag
  // pattern provably selects the same tests (then tests added since the inventory was made
  // are selected by their tags too, as Ginkgo's own --label-filter would).
  const narrower = expr.kind !== 'all' || sel.focus !== '' || sel.skip !== '';
  const exact =
    sharded ||
    narrowed ||
    (opts.runner !== 'ginkgo' && narrower && !tagsSelectTheSame(opts.runner, sel, expr, inventory))
      ? sel.tests
      : undefined;
  if (exact) {
    const clash = caseCollision(opts.runner, exact, inventory.tests);
    if (clash) throw new UserError(clash);
  }
  return {
    runner: opts.runner,
    filter: sel.filter,
    expr,
    focus: opts.focus,
    skip: sel.skip,
    ...(exact ? { exact } : {}),
    ...(exact && opts.runner === 'go' ? { universe: inventory.tests.map((t) => t.id) } : {}),
    // Only Ginkgo matches against "<suite> <spec>".
    ...(exact && opts.runner === 'ginkgo'
      ? { suites: mine ? mine.map((i) => suites[i]) : suites }
      : {}),
  };
}

/**
 * A re-run attempt with `rerun: failed`: the positions, in this job's selection, of the tests
 * that failed in the attempt before; undefined (and a notice why) to select as usual.
 */
function narrowRerun(sel: Selection, opts: Options, history: History): number[] | undefined {
  const tests = sel.tests ?? [];
  const finding = history.code.rerunFinding(history, opts, tests);
  if (finding.kind === 'as-usual') {
    sel.notices.push(finding.why);
    return undefined;
  }
  sel.rerun = { attempt: opts.run.attempt, failed: finding.positions.length, of: tests.length };
  return finding.positions;
}

let argsFiles = 0;

/**
 * A name no other step's arguments file has: the process (unique among those running), the
 * time and a count. Not random: node:crypto costs a step's start some 5 ms.
 */
function argsFileId(): string {
  return `${process.pid}-${Date.now().toString(36)}-${++argsFiles}`;
}

/**
 * The arguments file, always written so that one workflow works at any size, and the
 * outputs' form of the arguments: as they are while they fit a command line, else shortened
 * and split (see commandLines), and a notice saying to read the file.
 */
function handOver(sel: Selection, req: ArgsRequest, opts: Options): void {
  const file = path.join(opts.tempDir, `virt-ci-select-tests-${argsFileId()}.args`);
  const lines = commandLines(req, file);
  sel.args = lines.args;
  sel.runs = lines.runs;
  if (lines.long) sel.long = { bytes: lines.bytes, longest: lines.longest };
  const broken = lines.runs.flat().find((a) => /[\r\n]/.test(a));
  if (broken !== undefined) {
    sel.warnings.push(
      `a runner argument holds a line break, so no arguments file could list it: ${quote(broken.slice(0, 80))}`,
    );
    return;
  }
  mkdirSync(opts.tempDir, { recursive: true });
  writeFileSync(file, lines.runs.map((r) => r.map((a) => `${a}\n`).join('')).join('\n'));
  sel.argsFile = file;
  if (!lines.long) return;
  const kib = (n: number) => `${Math.ceil(n / 1024)} KiB`;
  const how =
    opts.runner === 'pytest'
      ? `the args output is @${file}, which pytest 8.2 and later reads; an older pytest takes the file's lines as its arguments (mapfile -t args < <args-file>; pytest "\${args[@]}")`
      : lines.runs.length > 1
        ? `${opts.runner} takes one pattern, so the file lists ${lines.runs.length} runs of it, each selecting a part, separated by an empty line; run each`
        : 'read them from the args-file output, one argument a line';
  sel.notices.push(
    `the runner arguments take ${kib(lines.bytes)} (the longest ${kib(lines.longest)}), too long for one command line or environment variable (Linux: ${MAX_ARG_STRLEN / 1024} KiB an argument): ${how}`,
  );
}

/**
 * Whether the runner's @tag pattern for the filter, matched as the runner matches it (jest
 * with the `i` flag), picks out exactly the selection from the inventory's titles: no focus
 * or skip, and every test's labels as its title's tags say.
 */
function tagsSelectTheSame(
  runner: Runner,
  sel: Selection,
  expr: LabelExpr,
  inventory: Inventory,
): boolean {
  if (runner !== 'jest' && runner !== 'mocha' && runner !== 'playwright') return false;
  if (sel.focus !== '' || sel.skip !== '') return false;
  const pattern = toTagRegex(expr);
  if (pattern === undefined) return false;
  const re = new RegExp(pattern, runner === 'jest' ? 'i' : '');
  const chosen = new Set(sel.selected);
  return inventory.tests.every((t) => re.test(t.id) === chosen.has(t.id));
}

async function readInventoryInput(opts: Options): Promise<Inventory> {
  const what = opts.sources.inventory;
  const files = await expandPaths(opts.workspace, opts.inventory, what);
  if (files.length === 0) {
    throw new UserError(
      `${what}: ${opts.inventory.map((p) => quote(p)).join(', ')} matched no file`,
    );
  }
  const read = await readInventory(files);
  // go test runs a parent test to reach its subtests: parents are containers, as in Ginkgo.
  return opts.runner === 'go'
    ? { tests: goLeaves(read.tests), formats: read.formats, files: read.files }
    : read;
}

/**
 * The inventory's tests that pass the quarantine, focus, skip and label filter, in order, and
 * how many of those the rest would select the quarantine took out (by id or by label: such a
 * test passes the filter without the quarantined labels and fails it with them), and where
 * in the inventory each selected test is.
 */
function matching(
  inventory: Inventory,
  filters: { expr: LabelExpr; unquarantined: LabelExpr },
  patterns: Patterns,
  quarantinedTests: Set<string>,
): {
  selected: string[];
  suites: Array<string | undefined>;
  quarantinedOut: number;
  at: number[];
} {
  const selected: string[] = [];
  const suites: Array<string | undefined> = [];
  const at: number[] = [];
  const matches = byLabelSet(labelMatcher(filters.expr));
  const rest =
    filters.unquarantined !== filters.expr
      ? byLabelSet(labelMatcher(filters.unquarantined))
      : undefined;
  const { focus, skip } = patterns;
  let quarantinedOut = 0;
  const tests = inventory.tests;
  for (let i = 0; i < tests.length; i++) {
    const t = tests[i];
    if (focus || skip) {
      const text = t.suite !== undefined ? `${t.suite} ${t.id}` : t.id;
      if (focus && !focus.test(text)) continue;
      if (skip && skip.test(text)) continue;
    }
    if (!matches(t.labels)) {
      if (rest?.(t.labels)) quarantinedOut++;
      continue;
    }
    if (quarantinedTests.size && quarantinedTests.has(t.id)) {
      quarantinedOut++;
      continue;
    }
    selected.push(t.id);
    suites.push(t.suite);
    at.push(i);
  }
  return { selected, suites, quarantinedOut, at };
}

interface LabelSetNode {
  next?: Map<string, LabelSetNode>;
  /** The verdict for the labels on the way here: undefined until asked. */
  verdict?: boolean;
}

/**
 * The matcher, asked once per list of labels: a large suite's specs share a few lists, and a
 * verdict depends on the labels alone. The lists seen are a tree of maps, a label a step.
 */
function byLabelSet(matcher: LabelMatcher): LabelMatcher {
  const root: LabelSetNode = {};
  return (labels) => {
    let node = root;
    for (let i = 0; i < labels.length; i++) {
      node.next ??= new Map();
      let child = node.next.get(labels[i]);
      if (!child) node.next.set(labels[i], (child = {}));
      node = child;
    }
    return (node.verdict ??= matcher(labels));
  };
}

/** The selected tests as positions in the inventory, whose index timings then look them up in. */
function within(inventory: Inventory, at: readonly number[]): WantedIn | undefined {
  if (!inventory.positions) return undefined;
  const wantedAt = new Int32Array(inventory.tests.length).fill(-1);
  for (let i = 0; i < at.length; i++) wantedAt[at[i]] = i;
  return { tests: inventory.tests, positions: inventory.positions, wantedAt };
}

/** Time-balanced shards of the selected tests, and this job's share of them. */
async function shard(
  selected: string[],
  opts: Options,
  warnings: string[],
  selectedIn: WantedIn | undefined,
): Promise<
  Pick<Selection, 'shards' | 'lowerBound' | 'timingsKnown' | 'shardIndex' | 'tests'> & {
    positions: number[];
  }
> {
  const timings = await readTimings(
    await expandPaths(opts.workspace, opts.timings, opts.sources.timings),
    selected,
    selectedIn,
  );
  const weighed = expectedDurations(selected, (_id, i) => timings.at(i));
  // Each shard keeps the inventory's order: runners report in a stable order then.
  const { shards, shardOf } = assignShards(weighed.tests, opts.shardCount);
  const mine = shards[opts.shardIndex - 1];
  const positions: number[] = [];
  for (let i = 0; i < shardOf.length; i++)
    if (shardOf[i] === opts.shardIndex - 1) positions.push(i);
  if (opts.timings.length > 0 && weighed.known === 0 && selected.length > 0) {
    warnings.push('no past duration matched a selected test; shards are balanced by count');
  }
  return {
    shards,
    lowerBound: lowerBound(weighed.tests, opts.shardCount),
    timingsKnown: weighed.known,
    shardIndex: opts.shardIndex,
    tests: mine.tests.map((t) => t.id),
    positions,
  };
}
