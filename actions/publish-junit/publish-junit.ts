import path from 'node:path';
import { failed, type Outcome } from '../../shared/action/outcome.js';
import { UserError, errorMessage } from '../../shared/errors.js';
import { writeFileAtomic } from '../../shared/files.js';
import type { GitHubClient } from '../../shared/github-client.js';
import { lazyClient } from './api.js';
import { HistoryCollector } from './history-run.js';
import { renderHistory } from './history-render.js';
import type { HistoryView } from './history.js';
import { uploadArtifact } from './artifact.js';
import { isPermissionDenied, publishCheckRun } from './check-run.js';
import { findFiles } from './collect.js';
import { publishComment } from './comment.js';
import { read, type Gathered } from './read.js';
import {
  annotations,
  noticeAnnotations,
  outputs,
  summaryMarkdown,
  historyNotes,
  testFailures,
  totalsLine,
} from './report.js';
import type { Results } from './results.js';
import { displayPath } from './tally.js';
import type { Deps, Options, Published, PullRequest, Result, State } from './types.js';

/**
 * publish-junit: read JUnit reports (or, for a dashboard, the results files of other jobs),
 * then publish them: job summary, annotations, check run, sticky PR comment, artifact and a
 * results file. Each publishing step that fails is one reason the step fails; the others
 * still run, so one refused write never hides the results.
 */

export async function run(o: Options, deps: Deps): Promise<Outcome<Result, State>> {
  const notices: string[] = [];
  const collector = o.history && !o.aggregate.length ? new HistoryCollector(o.flaky) : undefined;
  let got: Gathered;
  try {
    got = await read(o, notices, collector && ((tc, shared) => collector.add(tc, shared)));
  } catch (err) {
    return failed<Result, State>(err, { annotations: noticeAnnotations(notices) });
  }
  const done: Published = { notices, warnings: [], failures: testFailures(o, got.results) };
  const client = lazyClient(o, deps);
  // The history's code (the stores, @actions/cache, the analysis) loads only when it is used.
  const step = o.history ? await import('./history-step.js') : undefined;
  const history = await step?.readHistory(o, deps, collector, client, done);
  const markdown = summaryMarkdown(got, o.name, o.environments, history?.view);
  const result: Result = { results: got.results, resultsFile: writeResults(o, got.results, done) };
  result.history = history?.view;
  const pr = pullRequest(o);
  result.checkUrl = await checkRun(o, client, pr, got, done, history?.view);
  result.commentUrl = await comment(o, client, pr, markdown, got, done);
  result.artifactId = await artifact(o, deps, done);
  if (step && history) result.issues = await step.keepHistory(o, client, pr, history, done);
  const outcome: Outcome<Result, State> = {
    outputs: outputs(result),
    summary: o.summary ? markdown : undefined,
    annotations: annotations(o, got, notices, done.failures.length > 0),
    warnings: done.warnings,
    notes: [totalsLine(result), ...historyNotes(result)],
    result,
  };
  if (!done.failures.length) return outcome;
  const why = new UserError(`publish-junit "${o.name}": ${done.failures.join('; ')}`);
  return failed<Result, State>(why, outcome);
}

/** The history, read before anything is published; undefined when off or unreadable. */
function slug(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'junit';
}

/** The results file; one that cannot be written fails the step after everything else. */
function writeResults(o: Options, results: Results, done: Published): string {
  const file = o.output || path.join(o.tempDir, 'virt-ci-publish-junit', `${slug(o.name)}.json`);
  try {
    writeFileAtomic(file, JSON.stringify(results, null, 1));
    return file;
  } catch (err) {
    const what = o.output ? 'input "output"' : 'results file';
    done.failures.push(
      `${what}: cannot write ${displayPath(file, o.workspace)}: ${errorMessage(err)}; give a file path the step can create`,
    );
    return '';
  }
}

function pullRequest(o: Options): PullRequest {
  const ev = o.github.event() as {
    pull_request?: { number?: number; head?: { sha?: string; repo?: { full_name?: string } } };
    issue?: { number?: number; pull_request?: unknown };
    repository?: { full_name?: string };
  };
  const pr = ev.pull_request;
  if (pr) {
    const head = pr.head?.repo?.full_name;
    const base = ev.repository?.full_name ?? o.github.repository;
    return { number: pr.number, fork: !!head && !!base && head !== base, headSha: pr.head?.sha };
  }
  if (ev.issue?.pull_request && ev.issue.number) return { number: ev.issue.number, fork: false };
  return { fork: false };
}

/** Why no check run can be made; empty when one can. */
function checkRunBlocker(o: Options, pr: PullRequest): string {
  if (!o.token) return 'no token';
  if (!o.github.repository) return 'GITHUB_REPOSITORY is not set';
  if (o.checkRun === 'auto' && pr.fork) return 'a pull request from a fork gets a read-only token';
  return '';
}

async function checkRun(
  o: Options,
  client: () => Promise<GitHubClient>,
  pr: PullRequest,
  got: Gathered,
  done: Published,
  history?: HistoryView,
): Promise<string | undefined> {
  if (o.checkRun === 'false') return undefined;
  const why = checkRunBlocker(o, pr);
  if (why) {
    if (o.checkRun === 'true') done.failures.push(`check-run: cannot create a check run: ${why}`);
    else done.notices.push(`check run skipped: ${why} (set check-run: false to silence this)`);
    return undefined;
  }
  try {
    const target = {
      repository: o.github.repository,
      headSha: pr.headSha || o.github.sha,
      detailsUrl: o.github.runUrl(),
    };
    const local = got.local?.failures ?? [];
    const extra = history ? renderHistory(history, '###') : undefined;
    return await publishCheckRun(await client(), target, got.results, o.annotations, local, extra);
  } catch (err) {
    if (o.checkRun === 'true') done.failures.push(`check-run: ${errorMessage(err)}`);
    else if (isPermissionDenied(err))
      done.notices.push(
        `check run skipped: the token cannot write checks (${errorMessage(err)}); grant "checks: write" or set check-run: false`,
      );
    else
      done.warnings.push(
        `check run not created: ${errorMessage(err)}; the results are in the job summary (check-run: true fails the step on this)`,
      );
    return undefined;
  }
}

async function comment(
  o: Options,
  client: () => Promise<GitHubClient>,
  pr: PullRequest,
  markdown: string,
  got: Gathered,
  done: Published,
): Promise<string | undefined> {
  if (o.comment === 'off') return undefined;
  if (!pr.number) {
    done.notices.push(
      `comment skipped: ${o.github.eventName || 'this'} event is not a pull request`,
    );
    return undefined;
  }
  if (!o.token) {
    done.warnings.push('comment not written: no token to write the pull-request comment with');
    return undefined;
  }
  try {
    const c = await publishComment(
      await client(),
      { repository: o.github.repository, issueNumber: pr.number },
      { name: o.name, failing: got.results.conclusion === 'failure', markdown },
      o.comment,
      o.github.runUrl(),
    );
    if (c.action === 'skipped')
      done.notices.push('comment skipped: no failures (comment: failures)');
    return c.url;
  } catch (err) {
    if (pr.fork && isPermissionDenied(err))
      done.notices.push(
        `comment skipped: a pull request from a fork gets a read-only token (${errorMessage(err)})`,
      );
    else done.warnings.push(`comment not written: ${errorMessage(err)}`);
    return undefined;
  }
}

async function artifact(o: Options, deps: Deps, done: Published): Promise<number | undefined> {
  if (!o.artifact) return undefined;
  const reports = o.aggregate.length && !o.pathsGiven ? o.aggregate : o.paths;
  const files = [
    ...(await findFiles(reports, o.workspace)),
    ...(await findFiles(o.logs, o.workspace)),
  ];
  if (files.length === 0) {
    done.notices.push(`artifact "${o.artifact}" skipped: no files to upload`);
    return undefined;
  }
  try {
    const upload = { name: o.artifact, files, retentionDays: o.retentionDays };
    return await uploadArtifact(upload, o.workspace, deps.env);
  } catch (err) {
    done.failures.push(errorMessage(err));
    return undefined;
  }
}
