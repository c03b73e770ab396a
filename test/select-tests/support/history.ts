import { DirectoryStore, type HistoryStore } from '../../../shared/history/directory-store.js';
import { testKey, type HistoryOutcome, type HistoryRun } from '../../../shared/history/entry.js';
import { historyRun as run, startHistoryClock } from '../../support/history-run.js';

/**
 * Simulated runs of the KubeVirt-like suite in the history, keyed as publish-junit keys them:
 * Ginkgo's JUnit classname (the suite) and name (`[It] text [labels]`).
 */
export const SUITE = 'Tests Suite';

export const A = '[sig-compute]VMI lifecycle should start a VirtualMachineInstance';
export const B = '[sig-compute]VMI lifecycle should stop a running VirtualMachineInstance';
export const C = '[sig-compute]VMI lifecycle should reject a VMI with an invalid CPU model';
/** Not in test-kvm's selection (l1hv-new). */
export const L1 = '[sig-compute]L1 virtualization host should start a nested VM on an L1VH node';

export const key = (spec: string, labels = 'sig-compute') =>
  testKey(SUITE, `[It] ${spec} [${labels}]`);

/** One job's entry; `tests` maps spec texts to outcomes. */
export function historyRun(
  tests: Record<string, HistoryOutcome>,
  over: Partial<Omit<HistoryRun, 'tests'>> = {},
): HistoryRun {
  return run(
    Object.fromEntries(Object.entries(tests).map(([spec, outcome]) => [key(spec), outcome])),
    over,
  );
}

/**
 * The history the tests read: A flaky on two commits (failed, then passed on a re-run of the
 * same commit), so over the default threshold of 2 in 100; B flaky once; then run 900, whose
 * attempt 1 had C fail in one job and L1 (outside test-kvm's selection) in another.
 */
export async function writeHistory(
  to: string | HistoryStore,
  start = Date.parse('2026-11-01T00:00:00.000Z'),
): Promise<void> {
  const store = typeof to === 'string' ? new DirectoryStore(to) : to;
  startHistoryClock(start);
  const runs = [
    historyRun({ [A]: 'failed', [B]: 'passed' }, { sha: 's1', runId: '100' }),
    historyRun({ [A]: 'passed', [B]: 'passed' }, { sha: 's1', runId: '100', runAttempt: 2 }),
    historyRun({ [A]: 'failed', [B]: 'flaky' }, { sha: 's2', runId: '200' }),
    historyRun({ [A]: 'passed', [B]: 'passed' }, { sha: 's2', runId: '300' }),
    historyRun({ [A]: 'passed', [B]: 'passed', [C]: 'failed' }, { sha: 's3', runId: '900' }),
    historyRun({ [L1]: 'failed' }, { sha: 's3', runId: '900' }),
  ];
  for (const r of runs) await store.write(r);
}

/** The GITHUB_* a job of run 900 sees on attempt `attempt`. */
export const rerunEnv = (attempt: number) => ({
  GITHUB_REPOSITORY: 'octo-org/octo-repo',
  GITHUB_WORKFLOW: 'ci',
  GITHUB_RUN_ID: '900',
  GITHUB_RUN_ATTEMPT: String(attempt),
});
