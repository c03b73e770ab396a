import { UserError, quote } from '../../shared/errors.js';
import { andFilters, anyOf, noneOf, toTagRegex } from '../../shared/labels/compose.js';
import {
  cleanLabel,
  LabelFilterError,
  labelMatcher,
  parseLabelFilter,
  type LabelExpr,
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
import {
  caseCollision,
  ginkgoExactRegex,
  inexactWithoutInventory,
  runnerArgs,
  type Runner,
} from './runners.js';
import { balanceShards, expectedDurations, lowerBound } from './shards.js';
import { readTimings } from './timings.js';
import type { Deps, Options, Selection } from './types.js';

/** Linux refuses to exec a command with one argument longer than this (MAX_ARG_STRLEN). */
const MAX_ARG_BYTES = 128 * 1024;

/**
 * The selection, step by step: check the inputs, read the PR labels and the quarantine,
 * compose the filter, then either hand it to the runner as it is (no inventory) or apply it
 * to the inventory, shard the tests and name them exactly. Warnings go to `warnings` as they
 * are found, so the caller still has them when a later step fails.
 */
export async function selectTests(
  opts: Options,
  deps: Deps,
  warnings: string[] = [],
): Promise<Selection> {
  if (opts.labelFilter.includes('/') || opts.focus || opts.skip) await loadGoRegexp();
  const patterns = checkInputs(opts);
  const pr = await resolvePrLabels(opts.prLabels, deps.retry);
  warnings.push(...pr.warnings);
  const steer = steeringOf(pr.labels);
  const quarantine = opts.quarantine
    ? await readQuarantine(opts.workspace, opts.quarantine, deps.now(), opts.sources.quarantine)
    : undefined;
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
  };
  if (opts.matrix) sel.matrix = await checkedMatrix(requireProfile(opts));
  if (opts.inventory.length === 0) withoutInventory(sel, expr, opts);
  else await fromInventory(sel, { expr, unquarantined }, opts, patterns, left.tests);
  return sel;
}

interface Patterns {
  focus?: GoRegexp;
  skip?: GoRegexp;
}

/** Everything that can be wrong with the inputs alone, found before any file is read. */
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
  for (const e of quarantine?.expired ?? []) {
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
function withoutInventory(sel: Selection, expr: LabelExpr, opts: Options): void {
  const sharded = opts.shardCount > 1;
  if (sharded && opts.runner !== 'jest' && opts.runner !== 'playwright') {
    throw new UserError(
      `input "shard-count": ${opts.runner} cannot split tests by itself; give input "inventory" so shards can be made by test (jest and playwright shard without one)`,
    );
  }
  if (opts.failOnEmpty)
    sel.warnings.push('fail-on-empty needs an inventory to count tests; not checked');
  const inexact = inexactWithoutInventory(opts.runner, expr, opts.focus, sel.skip);
  if (inexact) sel.warnings.push(inexact);
  sel.args = runnerArgs({
    runner: opts.runner,
    filter: sel.filter,
    expr,
    focus: opts.focus,
    skip: sel.skip,
    ...(sharded ? { nativeShard: { index: opts.shardIndex, count: opts.shardCount } } : {}),
  });
}

/** With an inventory: the tests that match, this job's shard of them, named exactly. */
async function fromInventory(
  sel: Selection,
  { expr, unquarantined }: { expr: LabelExpr; unquarantined: LabelExpr },
  opts: Options,
  patterns: Patterns,
  quarantinedTests: Set<string>,
): Promise<void> {
  const read = await readInventoryInput(opts);
  // go test runs a parent test to reach its subtests: parents are containers, as in Ginkgo.
  const inventory = opts.runner === 'go' ? { ...read, tests: goLeaves(read.tests) } : read;
  const { selected, suites, quarantinedOut } = matching(
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
  if (sharded) Object.assign(sel, await shard(selected, opts, sel.warnings));
  // Every runner but Ginkgo matches names its own way (per level, by keyword, ignoring case):
  // once anything is left out, the exact names are what selects exactly, unless the @tag
  // pattern provably selects the same tests (then tests added since the inventory was made
  // are selected by their tags too, as Ginkgo's own --label-filter would).
  const narrowed = expr.kind !== 'all' || sel.focus !== '' || sel.skip !== '';
  const exact =
    sharded ||
    (opts.runner !== 'ginkgo' && narrowed && !tagsSelectTheSame(opts.runner, sel, expr, inventory))
      ? sel.tests
      : undefined;
  if (exact) {
    const clash = caseCollision(opts.runner, exact, inventory.tests);
    if (clash) throw new UserError(clash);
  }
  sel.args = runnerArgs({
    runner: opts.runner,
    filter: sel.filter,
    expr,
    focus: opts.focus,
    skip: sel.skip,
    ...(exact ? { exact } : {}),
    // Only Ginkgo matches against "<suite> <spec>".
    ...(exact && opts.runner === 'ginkgo' ? { suites: suitesOf(exact, selected, suites) } : {}),
  });
  const longest = Math.max(0, ...sel.args.map((a) => Buffer.byteLength(a)));
  if (longest > MAX_ARG_BYTES) {
    sel.warnings.push(
      `one runner argument is ${Math.round(longest / 1024)} KiB, above Linux's ${MAX_ARG_BYTES / 1024} KiB limit for a single argument; use more shards, or give the tests output to the runner through a file`,
    );
  }
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

/** The suite descriptions of `ids`, from the selection's parallel lists. */
function suitesOf(
  ids: readonly string[],
  selected: readonly string[],
  suites: ReadonlyArray<string | undefined>,
): Array<string | undefined> {
  if (ids === selected) return [...suites];
  const byId = new Map(selected.map((id, i) => [id, suites[i]]));
  return ids.map((id) => byId.get(id));
}

async function readInventoryInput(opts: Options): Promise<Inventory> {
  const what = opts.sources.inventory;
  const files = await expandPaths(opts.workspace, opts.inventory, what);
  if (files.length === 0) {
    throw new UserError(
      `${what}: ${opts.inventory.map((p) => quote(p)).join(', ')} matched no file`,
    );
  }
  return readInventory(files);
}

/**
 * The inventory's tests that pass the quarantine, focus, skip and label filter, in order, and
 * how many of those the rest would select the quarantine took out (by id or by label: such a
 * test passes the filter without the quarantined labels and fails it with them).
 */
function matching(
  inventory: Inventory,
  filters: { expr: LabelExpr; unquarantined: LabelExpr },
  patterns: Patterns,
  quarantinedTests: Set<string>,
): { selected: string[]; suites: Array<string | undefined>; quarantinedOut: number } {
  const selected: string[] = [];
  const suites: Array<string | undefined> = [];
  const matches = labelMatcher(filters.expr);
  const rest =
    filters.unquarantined !== filters.expr ? labelMatcher(filters.unquarantined) : undefined;
  const { focus, skip } = patterns;
  let quarantinedOut = 0;
  for (const t of inventory.tests) {
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
  }
  return { selected, suites, quarantinedOut };
}

/** Time-balanced shards of the selected tests, and this job's share of them. */
async function shard(
  selected: string[],
  opts: Options,
  warnings: string[],
): Promise<Pick<Selection, 'shards' | 'lowerBound' | 'timingsKnown' | 'shardIndex' | 'tests'>> {
  const timings = await readTimings(
    await expandPaths(opts.workspace, opts.timings, opts.sources.timings),
    new Set(selected),
  );
  const weighed = expectedDurations(selected, (id) => timings.get(id));
  const shards = balanceShards(weighed.tests, opts.shardCount);
  // Within this job's shard keep the inventory's order: runners report in a stable order then.
  const order = new Map(selected.map((id, i) => [id, i]));
  const mine = shards[opts.shardIndex - 1];
  mine.tests.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  if (opts.timings.length > 0 && weighed.known === 0 && selected.length > 0) {
    warnings.push('no past duration matched a selected test; shards are balanced by count');
  }
  return {
    shards,
    lowerBound: lowerBound(weighed.tests, opts.shardCount),
    timingsKnown: weighed.known,
    shardIndex: opts.shardIndex,
    tests: mine.tests.map((t) => t.id),
  };
}
