import { splitRepository } from '../../shared/action/github.js';
import { GitHubError, type GitHubClient } from '../../shared/github-client.js';
import { trimToBytes } from '../../shared/summary.js';
import { resultsHeadline, renderReport } from './render.js';
import type { FailureEntry, Results } from './results.js';

/**
 * A check run with the results: created completed in one request with the first 50
 * annotations (GitHub's per-request limit), the rest added 50 at a time by updates.
 */
const ANNOTATIONS_PER_REQUEST = 50;
/** GitHub rejects output.summary / output.text longer than this. */
const CHECK_TEXT_LIMIT = 65_535;

interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'failure' | 'warning' | 'notice';
  title: string;
  message: string;
  raw_details?: string;
}

export function checkAnnotations(failures: FailureEntry[], max: number): CheckAnnotation[] {
  return failures.slice(0, max).map((f) => {
    const line = f.file ? (f.line ?? 1) : Math.max(1, f.reportLine);
    const a: CheckAnnotation = {
      path: f.file ?? f.report,
      start_line: line,
      end_line: line,
      annotation_level: 'failure',
      title:
        `${f.outcome === 'error' ? 'Error' : 'Failed'}: ${f.classname ? `${f.classname} › ` : ''}${f.name}`.slice(
          0,
          255,
        ),
      message: trimToBytes(
        f.message || `${f.outcome === 'error' ? 'error' : 'failed'}`,
        60_000,
        '…',
      ),
    };
    if (f.details) a.raw_details = trimToBytes(f.details, 60_000, '…');
    return a;
  });
}

export interface CheckRunTarget {
  repository: string;
  headSha: string;
  detailsUrl?: string;
}

/** Creates the check run and returns its URL. */
export async function publishCheckRun(
  client: GitHubClient,
  target: CheckRunTarget,
  results: Results,
  maxAnnotations: number,
  /** The failures to annotate; default all. A dashboard annotates only its own reports'. */
  annotate: FailureEntry[] = results.failures,
  history?: { before: string; after: string },
): Promise<string> {
  const { owner, repo } = splitRepository(target.repository);
  const annotations = checkAnnotations(annotate, maxAnnotations);
  const summary = renderReport(
    { ...results, suites: [], slowest: [], omitted: { ...results.omitted, suites: 0 } },
    {
      maxBytes: CHECK_TEXT_LIMIT - 1024,
      heading: '##',
      maxDetails: 0,
      history: history && { before: history.before, after: '' },
    },
  );
  const text = renderReport(results, {
    maxBytes: CHECK_TEXT_LIMIT - 1024,
    maxDetails: 30,
    history: history && { before: '', after: history.after },
  });
  const output = { title: resultsHeadline(results).slice(0, 255), summary, text };
  const created = await client.request<{ id: number; html_url: string }>(
    'POST /repos/{owner}/{repo}/check-runs',
    {
      owner,
      repo,
      name: results.name,
      head_sha: target.headSha,
      status: 'completed',
      conclusion: results.conclusion,
      completed_at: new Date().toISOString(),
      ...(target.detailsUrl ? { details_url: target.detailsUrl } : {}),
      output: { ...output, annotations: annotations.slice(0, ANNOTATIONS_PER_REQUEST) },
    },
  );
  const id = created.data.id;
  for (let i = ANNOTATIONS_PER_REQUEST; i < annotations.length; i += ANNOTATIONS_PER_REQUEST) {
    await client.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
      owner,
      repo,
      check_run_id: id,
      output: { ...output, annotations: annotations.slice(i, i + ANNOTATIONS_PER_REQUEST) },
    });
  }
  return created.data.html_url;
}

/** True when GitHub refused the write for want of permission (fork PRs, read-only tokens). */
export function isPermissionDenied(err: unknown): boolean {
  return err instanceof GitHubError && (err.status === 403 || err.status === 404);
}
