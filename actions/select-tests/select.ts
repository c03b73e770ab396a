import { UserError, quote } from '../../shared/errors.js';
import { andFilters, anyOf, noneOf } from '../../shared/labels/compose.js';
import {
  cleanLabel,
  LabelFilterError,
  LabelSet,
  matchesLabels,
  parseLabelFilter,
  type LabelExpr,
} from '../../shared/labels/filter.js';
import { compileGoRegexp, GoRegexpError } from '../../shared/labels/re2.js';
import type { Profile } from '../../shared/profile.js';
import { expandPaths } from './files.js';
import { readInventory, type Inventory } from './inventory.js';
import { environmentMatrix, type Matrix } from './matrix.js';
import { resolvePrLabels, steeringLabels, type PrLabels } from './pr-labels.js';
import { readQuarantine, type Quarantine } from './quarantine.js';
import { ginkgoExactRegex, needsExactNames, runnerArgs, type Runner } from './runners.js';
import { balanceShards, expectedDurations, lowerBound, type Shard } from './shards.js';
import { readTimings } from './timings.js';

/** Linux refuses to exec a command with one argument longer than this (MAX_ARG_STRLEN). */
const MAX_ARG_BYTES = 128 * 1024;

export interface SelectOptions {
  workspace: string;
  environment?: string;
  /** The environment's scope: the label-filter input, else the profile's. */
  labelFilter: string;
  /** Where the scope came from, for the summary. */
  scopeSource: 'input' | 'profile' | 'none';
  focus: string;
  skip: string;
  runner: Runner;
  inventory: string[];
  prLabels?: string[];
  token?: string;
  quarantine?: string;
  shardCount: number;
  shardIndex: number;
  timings: string[];
  matrix: boolean;
  profile?: Profile;
  failOnEmpty: boolean;
  env?: NodeJS.ProcessEnv;
  now?: Date;
}

export interface Selection {
  /** The final expression: scope && PR focus && !PR skip && !quarantined labels. */
  filter: string;
  parts: Array<{ source: string; filter: string }>;
  focus: string;
  skip: string;
  args: string[];
  prLabels: PrLabels;
  quarantine?: Quarantine;
  inventory?: Inventory;
  /** Selected ids across all shards, in inventory order. */
  selected?: string[];
  /** This shard's ids (all selected ids without sharding). */
  tests?: string[];
  shards?: Shard[];
  lowerBound?: number;
  timingsKnown?: number;
  timingsFiles?: number;
  shardIndex?: number;
  matrix?: Matrix;
  runner: Runner;
  warnings: string[];
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

function goRegexp(pattern: string, input: string): RegExp | undefined {
  if (!pattern) return undefined;
  try {
    return compileGoRegexp(pattern);
  } catch (err) {
    if (err instanceof GoRegexpError)
      throw new UserError(`input "${input}": ${quote(pattern)}: ${err.message}`);
    throw err;
  }
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

export async function selectTests(opts: SelectOptions): Promise<Selection> {
  const warnings: string[] = [];
  const scopeWhat =
    opts.scopeSource === 'input'
      ? 'input "label-filter"'
      : `${opts.profile?.file ?? 'profile'}: ${opts.environment ? `environments.${opts.environment}` : 'defaults'}.tests.labelFilter`;
  parseFilter(opts.labelFilter, scopeWhat);
  const focusRe = goRegexp(opts.focus, 'focus');
  const skipRe = goRegexp(opts.skip, 'skip');

  if (opts.shardIndex > opts.shardCount) {
    throw new UserError(
      `input "shard-index": ${opts.shardIndex} is above shard-count ${opts.shardCount}; shards are numbered 1..${opts.shardCount}`,
    );
  }

  const prLabels = await resolvePrLabels({
    explicit: opts.prLabels,
    token: opts.token,
    env: opts.env,
  });
  const steer = steeringLabels(prLabels.names);
  const prFocus = steering(steer.focus, 'focus');
  const prSkip = steering(steer.skip, 'skip');

  const quarantine = opts.quarantine
    ? readQuarantine(opts.workspace, opts.quarantine, opts.now)
    : undefined;
  const qLabels = quarantine?.active.filter((e) => e.kind === 'label').map((e) => e.value) ?? [];
  const qTests = new Set(
    quarantine?.active.filter((e) => e.kind === 'test').map((e) => e.value) ?? [],
  );
  for (const e of quarantine?.expired ?? []) {
    warnings.push(`quarantine of ${e.kind} ${quote(e.value)} ended on ${e.until}; it runs again`);
  }

  const parts = [
    {
      source: opts.scopeSource === 'none' ? 'scope' : `scope (${opts.scopeSource})`,
      filter: opts.labelFilter.trim(),
    },
    { source: 'PR labels virt-ci/focus:', filter: anyOf(prFocus) },
    { source: 'PR labels virt-ci/skip:', filter: noneOf(prSkip) },
    { source: 'quarantined labels', filter: noneOf(qLabels) },
  ].filter((p) => p.filter !== '');
  const filter = andFilters(parts.map((p) => p.filter));
  const expr = parseFilter(filter, 'the combined label filter');

  // Quarantined tests leave through the skip pattern, so runners without an inventory skip
  // them too. The id ends the name after a space or at its start: Ginkgo prefixes the suite.
  const skip = [opts.skip, qTests.size ? ginkgoExactRegex([...qTests]) : '']
    .filter(Boolean)
    .join('|');

  const sel: Selection = {
    filter,
    parts,
    focus: opts.focus,
    skip,
    args: [],
    prLabels,
    quarantine,
    runner: opts.runner,
    warnings,
  };

  if (opts.matrix) {
    if (!opts.profile) {
      throw new UserError(
        'input "matrix": true needs a profile with environments, and none was found (input "profile")',
      );
    }
    sel.matrix = environmentMatrix(opts.profile);
  }

  const sharded = opts.shardCount > 1;
  const nativeShard = opts.runner === 'jest' || opts.runner === 'playwright';
  if (opts.inventory.length === 0) {
    if (sharded && !nativeShard) {
      throw new UserError(
        `input "shard-count": ${opts.runner} cannot split tests by itself; give input "inventory" so shards can be made by test (jest and playwright shard without one)`,
      );
    }
    if (opts.failOnEmpty)
      warnings.push('fail-on-empty needs an inventory to count tests; not checked');
    sel.args = runnerArgs({
      runner: opts.runner,
      filter,
      expr,
      focus: opts.focus,
      skip,
      ...(sharded ? { nativeShard: { index: opts.shardIndex, count: opts.shardCount } } : {}),
    });
    return sel;
  }

  const files = await expandPaths(opts.workspace, opts.inventory, 'inventory');
  if (files.length === 0) {
    throw new UserError(
      `input "inventory": ${opts.inventory.map((p) => quote(p)).join(', ')} matched no file`,
    );
  }
  const inventory = await readInventory(files);
  sel.inventory = inventory;
  const selected: string[] = [];
  const suites = new Map<string, string | undefined>();
  for (const t of inventory.tests) {
    if (qTests.has(t.id)) continue;
    const text = t.suite !== undefined ? `${t.suite} ${t.id}` : t.id;
    if (focusRe && !focusRe.test(text)) continue;
    if (skipRe && skipRe.test(text)) continue;
    if (!matchesLabels(expr, new LabelSet(t.labels))) continue;
    selected.push(t.id);
    suites.set(t.id, t.suite);
  }
  sel.selected = selected;
  if (selected.length === 0 && opts.failOnEmpty) {
    throw new UserError(
      `no test matches: ${inventory.tests.length} tests in ${inventory.files.join(', ')}, none selected by ${quote(filter || '(everything)')}${opts.focus ? ` focus ${quote(opts.focus)}` : ''}${opts.skip ? ` skip ${quote(opts.skip)}` : ''} (fail-on-empty is true)`,
    );
  }

  let tests = selected;
  if (sharded) {
    const timingFiles = await expandPaths(opts.workspace, opts.timings, 'timings');
    const timings = await readTimings(timingFiles);
    const weighed = expectedDurations(selected, (id) => timings.get(id));
    const shards = balanceShards(weighed.tests, opts.shardCount);
    // Within a shard keep the inventory's order: runners report in a stable order then.
    const order = new Map(selected.map((id, i) => [id, i]));
    for (const s of shards) s.tests.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
    sel.shards = shards;
    sel.lowerBound = lowerBound(weighed.tests, opts.shardCount);
    sel.timingsKnown = weighed.known;
    sel.timingsFiles = timings.files;
    sel.shardIndex = opts.shardIndex;
    tests = shards[opts.shardIndex - 1].tests.map((t) => t.id);
    if (opts.timings.length > 0 && weighed.known === 0 && selected.length > 0) {
      warnings.push('no past duration matched a selected test; shards are balanced by count');
    }
  }
  sel.tests = tests;
  const exact = sharded || needsExactNames(opts.runner, expr) ? tests : undefined;
  sel.args = runnerArgs({
    runner: opts.runner,
    filter,
    expr,
    focus: opts.focus,
    skip,
    ...(exact ? { exact, suites: exact.map((id) => suites.get(id)) } : {}),
  });
  const longest = Math.max(0, ...sel.args.map((a) => Buffer.byteLength(a)));
  if (longest > MAX_ARG_BYTES) {
    warnings.push(
      `one runner argument is ${Math.round(longest / 1024)} KiB, above Linux's ${MAX_ARG_BYTES / 1024} KiB limit for a single argument; use more shards, or give the tests output to the runner through a file`,
    );
  }
  return sel;
}
