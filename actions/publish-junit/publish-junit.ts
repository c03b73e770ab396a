import * as core from '@actions/core';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError, errorMessage } from '../../shared/errors.js';
import { Inputs } from '../../shared/inputs.js';
import { loadProfileContext } from '../../shared/profile.js';
import { setOutputs } from '../../shared/run.js';
import { SUMMARY_LIMIT_BYTES, writeSummary } from '../../shared/summary.js';
import { type Annotation, planAnnotations } from './annotations.js';
import { uploadArtifact } from './artifact.js';
import { isPermissionDenied, publishCheckRun } from './check-run.js';
import { collect, findFiles } from './collect.js';
import { publishComment } from './comment.js';
import { combine, label, readResultsFile, renderDashboard } from './dashboard.js';
import { type Options, parseOptions } from './options.js';
import { renderReport } from './render.js';
import { displayPath } from './tally.js';
import { RESULTS_VERSION, conclude, passRate, type Results } from './results.js';

/**
 * publish-junit: read JUnit reports (or, for a dashboard, the results files of other jobs),
 * then publish them: job summary, annotations, check run, sticky PR comment, artifact and a
 * results file. `run` does the work and returns what to report; `main` only parses inputs
 * and reports, so `run` can be tested without a runner.
 */
export interface RunOutcome {
  results: Results;
  resultsFile: string;
  /** The job summary's Markdown. */
  markdown: string;
  annotations: Annotation[];
  checkUrl?: string;
  artifactId?: number;
  commentUrl?: string;
  /** Lines for the log: what was skipped and why. */
  notices: string[];
  /** Why the step fails, one reason each; empty: it passes. */
  failures: string[];
}

function runUrl(o: Options): string | undefined {
  const g = o.github;
  if (!g.repository || !g.runId) return undefined;
  return `${g.serverUrl}/${g.repository}/actions/runs/${g.runId}${g.runAttempt && g.runAttempt !== '1' ? `/attempts/${g.runAttempt}` : ''}`;
}

function slug(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'junit';
}

async function readReports(o: Options, notices: string[]): Promise<Results> {
  const files = await findFiles(o.paths, o.workspace);
  if (files.length === 0) notices.push(`no JUnit report matched ${o.paths.join(', ')}`);
  const { tally, reports, broken } = await collect(files, {
    workspace: o.workspace,
    flaky: o.flaky,
  });
  const suites = tally.suiteList();
  const omitted = tally.omitted();
  return {
    version: RESULTS_VERSION,
    name: o.name,
    ...(o.environment ? { environment: o.environment } : {}),
    conclusion: conclude(tally.totals, broken.length),
    totals: { ...tally.totals, duration: Math.round(tally.totals.duration * 1000) / 1000 },
    passRate: passRate(tally.totals),
    reports,
    broken,
    suites: suites.rows,
    failures: tally.failureList(),
    flaky: tally.flakyList(),
    slowest: tally.slowList(),
    omitted: { suites: suites.omitted, failures: omitted.failures, flaky: omitted.flaky },
    ...(runUrl(o) ? { runUrl: runUrl(o) } : {}),
  };
}

async function readDashboard(
  o: Options,
  notices: string[],
): Promise<{ results: Results; markdown: string; local?: Results }> {
  const files = await findFiles(o.aggregate, o.workspace);
  const rows: Results[] = [];
  for (const f of files) rows.push(await readResultsFile(f, o.workspace));
  const local = o.pathsGiven ? await readReports(o, notices) : undefined;
  if (local) rows.push(local);
  if (files.length === 0) notices.push(`no results file matched ${o.aggregate.join(', ')}`);
  const d = combine(rows);
  const results: Results = {
    version: RESULTS_VERSION,
    name: o.name,
    conclusion: d.conclusion,
    totals: d.totals,
    passRate: d.passRate,
    reports: rows.flatMap((r) => r.reports),
    broken: rows.flatMap((r) =>
      r.broken.map((b) => ({ ...b, message: `${label(r)}: ${b.message}` })),
    ),
    suites: [],
    failures: rows
      .flatMap((r) => r.failures.map((f) => ({ ...f, suite: `${label(r)}: ${f.suite}` })))
      .slice(0, 200),
    flaky: rows
      .flatMap((r) => r.flaky.map((f) => ({ ...f, suite: `${label(r)}: ${f.suite}` })))
      .slice(0, 200),
    slowest: [],
    omitted: { suites: 0, failures: 0, flaky: 0 },
    ...(runUrl(o) ? { runUrl: runUrl(o) } : {}),
  };
  results.omitted.failures =
    rows.reduce((n, r) => n + r.failures.length + r.omitted.failures, 0) - results.failures.length;
  results.omitted.flaky =
    rows.reduce((n, r) => n + r.flaky.length + r.omitted.flaky, 0) - results.flaky.length;
  return {
    results,
    markdown: renderDashboard(d, o.name, SUMMARY_LIMIT_BYTES - 8192),
    ...(local ? { local } : {}),
  };
}

function writeResults(o: Options, results: Results): string {
  const file =
    o.output ||
    path.join(o.tempDir || os.tmpdir(), 'virt-ci-publish-junit', `${slug(o.name)}.json`);
  // Written whole under a temporary name, then renamed: a reader never sees half a file.
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(tmp, JSON.stringify(results, null, 1));
    renameSync(tmp, file);
  } catch (err) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // Never made: nothing to clean up.
    }
    const what = o.output ? 'input "output"' : 'results file';
    throw new UserError(
      `${what}: cannot write ${displayPath(file, o.workspace)}: ${errorMessage(err)}; give a file path the step can create`,
    );
  }
  return file;
}

function pullRequest(o: Options): { number?: number; fork: boolean; headSha?: string } {
  const ev = o.github.event as {
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

function stepFailures(o: Options, r: Results): string[] {
  const out: string[] = [];
  const t = r.totals;
  if (r.broken.length && o.failOn !== 'none')
    out.push(`${r.broken.length} report(s) could not be read (${r.broken[0].message})`);
  if (o.failOn === 'failures' && t.failed + t.errors > 0)
    out.push(
      `${t.failed + t.errors} of ${t.total} tests failed (${t.failed} failures, ${t.errors} errors)`,
    );
  if (o.failOn === 'errors' && t.errors > 0) out.push(`${t.errors} of ${t.total} tests errored`);
  if (o.requireTests && t.total === 0)
    out.push(
      `no test cases found in ${r.reports.length} report(s) (require-tests is on; paths: ${o.paths.join(', ')})`,
    );
  return out;
}

export async function run(o: Options): Promise<RunOutcome> {
  const notices: string[] = [];
  const failures: string[] = [];
  let results: Results;
  let markdown: string;
  // What this job read itself: the only failures it annotates.
  let local: Results | undefined;
  if (o.aggregate.length) {
    ({ results, markdown, local } = await readDashboard(o, notices));
  } else {
    results = await readReports(o, notices);
    markdown = renderReport(results, { maxBytes: SUMMARY_LIMIT_BYTES - 8192 });
    local = results;
  }
  failures.push(...stepFailures(o, results));
  // A results file that cannot be written fails the step, after everything else is published.
  let resultsFile = '';
  try {
    resultsFile = writeResults(o, results);
  } catch (err) {
    failures.push(errorMessage(err));
  }
  const outcome: RunOutcome = {
    results,
    resultsFile,
    markdown,
    // A dashboard repeats no annotations: each environment's own job already made them.
    annotations: local ? planAnnotations(local, o.annotations, failures.length > 0) : [],
    notices,
    failures,
  };
  const pr = pullRequest(o);

  if (o.checkRun !== 'false') {
    const why = !o.token
      ? 'no token'
      : !o.github.repository
        ? 'GITHUB_REPOSITORY is not set'
        : o.checkRun === 'auto' && pr.fork
          ? 'a pull request from a fork gets a read-only token'
          : '';
    if (why) {
      if (o.checkRun === 'true') failures.push(`check-run: cannot create a check run: ${why}`);
      else notices.push(`check run skipped: ${why} (set check-run: false to silence this)`);
    } else {
      try {
        const c = await publishCheckRun(
          {
            apiUrl: o.github.apiUrl,
            token: o.token,
            repository: o.github.repository,
            headSha: pr.headSha || o.github.sha,
            detailsUrl: runUrl(o),
          },
          results,
          o.annotations,
          local?.failures ?? [],
        );
        outcome.checkUrl = c.url;
      } catch (err) {
        if (o.checkRun === 'auto' && isPermissionDenied(err))
          notices.push(
            `check run skipped: the token cannot write checks (${errorMessage(err)}); grant "checks: write" or set check-run: false`,
          );
        else failures.push(`check-run: ${errorMessage(err)}`);
      }
    }
  }

  if (o.comment !== 'off') {
    if (!pr.number)
      notices.push(`comment skipped: ${o.github.eventName || 'this'} event is not a pull request`);
    else if (!o.token) failures.push('comment: no token to write the pull-request comment with');
    else {
      try {
        const c = await publishComment(
          {
            apiUrl: o.github.apiUrl,
            token: o.token,
            repository: o.github.repository,
            issueNumber: pr.number,
          },
          { name: o.name, failing: results.conclusion === 'failure', markdown },
          o.comment,
          runUrl(o),
        );
        outcome.commentUrl = c.url;
        if (c.action === 'skipped')
          notices.push('comment skipped: no failures (comment: failures)');
      } catch (err) {
        if (pr.fork && isPermissionDenied(err))
          notices.push(
            `comment skipped: a pull request from a fork gets a read-only token (${errorMessage(err)})`,
          );
        else failures.push(`comment: ${errorMessage(err)}`);
      }
    }
  }

  if (o.artifact) {
    const files = [
      ...(await findFiles(
        o.aggregate.length && !o.pathsGiven ? o.aggregate : o.paths,
        o.workspace,
      )),
      ...(await findFiles(o.logs, o.workspace)),
    ];
    if (files.length === 0) notices.push(`artifact "${o.artifact}" skipped: no files to upload`);
    else {
      try {
        const a = await uploadArtifact(
          { name: o.artifact, files, retentionDays: o.retentionDays },
          o.workspace,
        );
        outcome.artifactId = a.id;
      } catch (err) {
        failures.push(errorMessage(err));
      }
    }
  }
  return outcome;
}

/** The one place that talks to the runner: summary, annotations, log lines, outputs. */
export async function report(o: Options, out: RunOutcome): Promise<void> {
  const r = out.results;
  if (o.summary) await writeSummary(out.markdown);
  for (const a of out.annotations) {
    if (a.level === 'error') core.error(a.message, a.properties);
    else if (a.level === 'warning') core.warning(a.message, a.properties);
    else core.notice(a.message, a.properties);
  }
  for (const n of out.notices) core.notice(n);
  core.info(
    `${r.name}: ${r.totals.total} tests, ${r.totals.passed} passed, ${r.totals.failed} failed, ${r.totals.errors} errors, ${r.totals.skipped} skipped, ${r.totals.flaky} flaky${out.resultsFile ? `; results in ${out.resultsFile}` : ''}`,
  );
  setOutputs({
    total: String(r.totals.total),
    passed: String(r.totals.passed),
    failed: String(r.totals.failed),
    errors: String(r.totals.errors),
    skipped: String(r.totals.skipped),
    flaky: String(r.totals.flaky),
    'pass-rate': String(r.passRate),
    duration: String(r.totals.duration),
    conclusion: r.conclusion,
    results: out.resultsFile,
    'check-url': out.checkUrl ?? '',
    'artifact-id': out.artifactId === undefined ? '' : String(out.artifactId),
  });
}

export async function main(inputs = new Inputs()): Promise<void> {
  const ctx = loadProfileContext(inputs);
  const opts = parseOptions(inputs, ctx);
  if (opts.token) core.setSecret(opts.token);
  const out = await run(opts);
  await report(opts, out);
  if (out.failures.length)
    throw new UserError(`publish-junit "${opts.name}": ${out.failures.join('; ')}`);
}
