import { errorMessage } from '../../shared/errors.js';
import type { CacheClient } from '../../shared/history/cache-store.js';
import { displayKey, splitKey, type HistoryRun } from '../../shared/history/entry.js';
import { failedInAttempt, openHistory } from '../../shared/history/open.js';
import { active as applies, overBudget } from '../../shared/history/quarantine.js';
import { ginkgoSpecText } from './inventory.js';
import type { Quarantine, QuarantineEntry } from './quarantine.js';
import { CaseMatcher } from './timings.js';
import type { HistoryOptions, Options } from './types.js';

/**
 * select-tests' side of the test history, which it only reads: the quarantine the flake
 * budget implies (`quarantine: auto`), and on a re-run attempt the tests that failed in the
 * attempt before (`rerun: failed`). Nothing here fails the step: an unreadable history, or a
 * bad entry in it, is one line each, and the selection goes on without it.
 */
export interface HistoryRead {
  runs: HistoryRun[];
  /** False when the store could not be read at all. */
  ok: boolean;
}

export async function readHistory(
  h: HistoryOptions,
  opts: { rerun: boolean; now: Date; cache?: CacheClient },
  warnings: string[],
  notices: string[],
): Promise<HistoryRead> {
  const { policy, scope } = h;
  const retention = { keep: policy.keep, maxAgeDays: policy.periodDays };
  const since =
    policy.periodDays === undefined
      ? undefined
      : new Date(opts.now.getTime() - policy.periodDays * 86_400_000);
  try {
    const store = openHistory(h.spec, scope, retention, opts.cache);
    if (!store) return { runs: [], ok: false };
    // The quarantine looks at the newest runs the threshold counts; a re-run at every run
    // kept, since the jobs of one attempt each wrote one.
    const read = await store.read({
      environment: scope.environment,
      ...(opts.rerun ? {} : { limit: policy.of }),
      ...(since ? { since } : {}),
    });
    warnings.push(...read.skipped.map((s) => `history: skipped ${s}`));
    notices.push(...(read.notes ?? []).filter(Boolean));
    return { runs: read.runs, ok: true };
  } catch (err) {
    warnings.push(`history: cannot be read (${errorMessage(err)}); selecting without it`);
    return { runs: [], ok: false };
  }
}

/**
 * The name a runner knows a history key by when there is no inventory to match it against:
 * Ginkgo's spec text for its `[It] text [labels]` names, else the JUnit name.
 */
export function runnerName(key: string): string {
  const { name } = splitKey(key);
  return ginkgoSpecText(name) ?? name;
}

/**
 * `quarantine: auto`: the tests over the flake threshold in the environment's newest runs,
 * as a quarantine. With an inventory each entry names the inventory tests its key answers to
 * (by CaseMatcher's rule); without one, the name the runner knows it by.
 */
export function autoQuarantine(
  history: HistoryRead,
  opts: Options,
  now: Date,
  inventoryIds: readonly string[] | undefined,
  notices: string[],
): Quarantine {
  const policy = opts.history?.policy;
  const over = policy ? overBudget(history.runs.slice(0, policy.of), policy) : [];
  const active: QuarantineEntry[] = [];
  const expired: QuarantineEntry[] = [];
  const matcher = inventoryIds ? new CaseMatcher(inventoryIds) : undefined;
  const unknown: string[] = [];
  for (const e of over) {
    const why = { reason: e.reason, until: e.until };
    // An entry whose date has passed is shown as ended: the test runs again until it flakes.
    const list = applies(e, now) ? active : expired;
    if (!matcher) {
      list.push({ kind: 'test', value: runnerName(e.id), ...why });
      continue;
    }
    const { classname, name } = splitKey(e.id);
    const before = list.length;
    matcher.each(name, classname, (id) => list.push({ kind: 'test', value: id, ...why }));
    if (list.length === before) unknown.push(displayKey(e.id));
  }
  if (unknown.length) {
    const shown = unknown.slice(0, 5).map((k) => JSON.stringify(k));
    notices.push(
      `quarantine: auto: ${unknown.length} test(s) over the flake threshold are not in the inventory, so nothing is left out for them: ${shown.join(', ')}${unknown.length > 5 ? ', ...' : ''}`,
    );
  }
  const source = opts.history?.spec.kind === 'cache' ? 'the cache' : 'the history folder';
  return { file: `auto, from ${source}`, active, expired, auto: true };
}

/** What the attempt before this one says about `tests` (this job's normal selection). */
export type RerunFinding =
  { kind: 'narrow'; positions: number[]; failed: number } | { kind: 'as-usual'; why: string };

export function rerunFinding(
  history: HistoryRead,
  opts: Options,
  tests: readonly string[] | undefined,
): RerunFinding {
  const { attempt, id } = opts.run;
  const before = attempt - 1;
  const head = `re-run of attempt ${attempt}`;
  if (!history.ok)
    return { kind: 'as-usual', why: `${head}: the history could not be read; selecting as usual` };
  const failed = failedInAttempt(history.runs, id, before);
  if (!failed) {
    return {
      kind: 'as-usual',
      why: `${head}: the history has no entry of attempt ${before} of run ${id} for this environment (it may have failed before its tests were published); selecting as usual`,
    };
  }
  if (!tests) return { kind: 'narrow', positions: [], failed: failed.size };
  const matcher = new CaseMatcher(tests);
  const hit = new Uint8Array(tests.length);
  for (const key of failed) {
    const { classname, name } = splitKey(key);
    matcher.each(name, classname, (_id, i) => {
      hit[i] = 1;
    });
  }
  const positions: number[] = [];
  for (let i = 0; i < hit.length; i++) if (hit[i]) positions.push(i);
  if (positions.length === 0) {
    return {
      kind: 'as-usual',
      why: `${head}: attempt ${before} recorded no failure among this job's ${tests.length} selected tests (${failed.size} failed elsewhere or outside the tests); selecting as usual`,
    };
  }
  return { kind: 'narrow', positions, failed: failed.size };
}

/** Without an inventory: the failed tests' names, for runners that can select by name. */
export function failedNames(history: HistoryRead, opts: Options): string[] {
  const failed = failedInAttempt(history.runs, opts.run.id, opts.run.attempt - 1);
  return [...new Set([...(failed ?? [])].map(runnerName))].sort();
}
