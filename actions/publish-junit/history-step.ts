import { errorMessage } from '../../shared/errors.js';
import type { GitHubClient } from '../../shared/github-client.js';
import { cacheLister } from '../../shared/history/cache-list.js';
import { isPermissionDenied } from './check-run.js';
import type { HistoryCollector } from './history-run.js';
import { loadHistory, recordRun, type LoadedHistory } from './history.js';
import { syncIssues, type IssueSync } from './issues.js';
import type { Deps, Options, Published, PullRequest } from './types.js';

/**
 * publish-junit's steps with the test history, loaded only when `history` is set: read it
 * before publishing (faults become warnings, never a failed step), and after publishing add
 * this run and bring the flaky-test issues up to date.
 */
export async function readHistory(
  o: Options,
  deps: Deps,
  collector: HistoryCollector | undefined,
  client: () => Promise<GitHubClient>,
  done: Published,
): Promise<LoadedHistory | undefined> {
  if (!o.history) return undefined;
  if (!collector) {
    done.notices.push('history: a dashboard (aggregate) run neither reads nor adds to it');
    return undefined;
  }
  try {
    const tests = collector.tests();
    const loaded = await loadHistory(o.history, o.github, o.workspace, tests, {
      cache: deps.cache,
      lister: o.token && o.github.repository ? cacheLister(client, o.github.repository) : undefined,
      job: o.name,
      now: deps.now(),
    });
    const [failures, other] = partition(loaded.notices, (n) => !n.startsWith('history: no entry'));
    const [skipped, broken] = partition(failures, (n) => n.startsWith('history: skipped'));
    done.warnings.push(...broken);
    done.warnings.push(...skipped.slice(0, 5));
    if (skipped.length > 5)
      done.warnings.push(`history: skipped ${skipped.length - 5} more unreadable entries`);
    done.notices.push(...other);
    return loaded;
  } catch (err) {
    done.warnings.push(
      `history: not read (${errorMessage(err)}); the results are published without it`,
    );
    return undefined;
  }
}

function partition<T>(items: T[], test: (t: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((t) => !test(t))];
}

/** Adds this run to the history, then brings the flaky-test issues up to date. */
export async function keepHistory(
  o: Options,
  client: () => Promise<GitHubClient>,
  pr: PullRequest,
  history: LoadedHistory,
  done: Published,
): Promise<IssueSync | undefined> {
  if (history.current.tests.size === 0) {
    done.notices.push('history: no test case to record');
    return undefined;
  }
  const warning = await recordRun(history);
  if (warning) done.warnings.push(warning);
  if (!o.history?.policy.issues) return undefined;
  const why = !o.token
    ? 'no token'
    : pr.fork
      ? 'a pull request from a fork gets a read-only token'
      : '';
  if (why) {
    done.notices.push(`flaky-test issues skipped: ${why}`);
    return undefined;
  }
  const healthy = new Set(
    [...history.current.tests].filter(([, t]) => t.outcome === 'passed').map(([id]) => id),
  );
  try {
    return await syncIssues(
      await client(),
      {
        repository: o.github.repository,
        environment: history.view.environment,
        runUrl: o.github.runUrl(),
      },
      history.view.quarantine,
      healthy,
      [history.current, ...history.earlier],
      new Date(history.current.time),
    );
  } catch (err) {
    const hint = isPermissionDenied(err) ? '; grant "issues: write"' : '';
    done.warnings.push(`flaky-test issues not brought up to date: ${errorMessage(err)}${hint}`);
    return undefined;
  }
}
