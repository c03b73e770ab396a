import { createHash } from 'node:crypto';
import { splitRepository } from '../../shared/action/github.js';
import { GitHubError, type GitHubClient } from '../../shared/github-client.js';
import {
  Interner,
  OutcomeFinder,
  displayKey,
  type HistoryRun,
} from '../../shared/history/entry.js';
import { active, type QuarantineEntry } from '../../shared/history/quarantine.js';
import { table } from '../../shared/summary.js';
import { text } from './escape.js';

/**
 * One GitHub issue per quarantined test (`flake.issues: true`): opened when the test goes
 * over the flake threshold, its body brought up to date when its recent failures change,
 * closed when the test is healthy again (its quarantine over and a pass in this run) or gone
 * from the environment's history. Issues are found by label and a hidden marker naming the
 * environment and the test, so a renamed title or another tool's issue with the same label is
 * never touched. The body holds nothing that changes from run to run but the failures, so a
 * run that adds none edits nothing.
 */
export const FLAKY_LABEL = 'virt-ci/flaky';
const MARKER = /<!-- virt-ci-flaky env=(\S+) test=([0-9a-f]{16}) -->/;
/** Pages of 100 open labelled issues looked through. */
const MAX_PAGES = 20;

interface Issue {
  number: number;
  body?: string | null;
  html_url: string;
  pull_request?: unknown;
}

export interface IssueSync {
  opened: string[];
  updated: string[];
  closed: string[];
}

export interface IssueTarget {
  repository: string;
  environment: string;
  runUrl?: string;
}

const hash = (id: string) => createHash('sha256').update(id).digest('hex').slice(0, 16);
const envPart = (env: string) => encodeURIComponent(env);

function marker(environment: string, id: string): string {
  return `<!-- virt-ci-flaky env=${envPart(environment)} test=${hash(id)} -->`;
}

/** The runs in which the test failed or was flaky, newest first, as a table. */
function recentFailures(id: string, runs: readonly HistoryRun[]): string {
  const find = new OutcomeFinder(runs.find((r) => r.columns)?.columns?.interner ?? new Interner());
  const rows: unknown[][] = [];
  for (const r of runs) {
    const o = find.outcome(r, id);
    if (o !== 'failed' && o !== 'flaky') continue;
    rows.push([
      r.time.slice(0, 16).replace('T', ' '),
      r.runId,
      r.runAttempt,
      r.sha.slice(0, 7),
      text(r.branch),
      o,
    ]);
    if (rows.length >= 10) break;
  }
  return rows.length
    ? table(['when (UTC)', 'run', 'attempt', 'commit', 'branch', 'outcome'], rows)
    : '';
}

function body(t: IssueTarget, q: QuarantineEntry, runs: readonly HistoryRun[]): string {
  const threshold = /\(threshold: ([^)]+)\)/.exec(q.reason)?.[1] ?? 'the threshold';
  return [
    marker(t.environment, q.id),
    `The test \`${displayKey(q.id).replace(/`/g, "'")}\` in environment **${text(t.environment)}** went over the flake threshold (${text(threshold)} flaky runs).`,
    '',
    `select-tests with \`quarantine: auto\` leaves it out until ${q.until}; then it runs again. Fix it or remove it before then (the Kyklos process). This issue is closed when the test passes under the threshold again.`,
    '',
    '### Recent failures',
    '',
    recentFailures(q.id, runs),
  ].join('\n');
}

async function ensureLabel(client: GitHubClient, owner: string, repo: string): Promise<void> {
  try {
    await client.request('GET /repos/{owner}/{repo}/labels/{name}', {
      owner,
      repo,
      name: FLAKY_LABEL,
    });
  } catch (err) {
    if (!(err instanceof GitHubError && err.status === 404)) throw err;
    await client.request('POST /repos/{owner}/{repo}/labels', {
      owner,
      repo,
      name: FLAKY_LABEL,
      color: 'fbca04',
      description: 'A test over its flake threshold, quarantined by virt-ci',
    });
  }
}

async function close(
  client: GitHubClient,
  at: { owner: string; repo: string },
  issue: Issue,
  why: string,
): Promise<void> {
  await client.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
    ...at,
    issue_number: issue.number,
    body: why,
  });
  await client.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
    ...at,
    issue_number: issue.number,
    state: 'closed',
    state_reason: 'completed',
  });
}

/** This environment's open issues, by test hash. */
async function openIssues(
  client: GitHubClient,
  at: { owner: string; repo: string },
  environment: string,
): Promise<Map<string, Issue>> {
  const open = await client.paginate<Issue>(
    'GET /repos/{owner}/{repo}/issues',
    { ...at, state: 'open', labels: FLAKY_LABEL, per_page: 100 },
    MAX_PAGES,
  );
  const byTest = new Map<string, Issue>();
  for (const i of open) {
    const m = i.pull_request ? null : MARKER.exec(i.body ?? '');
    if (m && m[1] === envPart(environment)) byTest.set(m[2], i);
  }
  return byTest;
}

/**
 * Open, update and close the environment's issues. `quarantine`: what is over the threshold
 * now (expired entries included); `passed`: the tests that passed in this run; `runs`: this
 * run and the earlier ones, newest first.
 */
export async function syncIssues(
  client: GitHubClient,
  t: IssueTarget,
  quarantine: readonly QuarantineEntry[],
  passed: ReadonlySet<string>,
  runs: readonly HistoryRun[],
  now: Date,
): Promise<IssueSync> {
  const at = splitRepository(t.repository);
  const byTest = await openIssues(client, at, t.environment);
  const out: IssueSync = { opened: [], updated: [], closed: [] };
  const over = new Map(quarantine.map((q) => [hash(q.id), q]));
  let labelled = false;
  for (const q of quarantine) {
    if (!active(q, now)) continue;
    const existing = byTest.get(hash(q.id));
    const text = body(t, q, runs);
    if (existing) {
      if (existing.body?.trim() === text.trim()) continue;
      await client.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
        ...at,
        issue_number: existing.number,
        body: text,
      });
      out.updated.push(existing.html_url);
      continue;
    }
    if (!labelled) await ensureLabel(client, at.owner, at.repo);
    labelled = true;
    const created = await client.request<Issue>('POST /repos/{owner}/{repo}/issues', {
      ...at,
      title: `Flaky test: ${displayKey(q.id)} (${t.environment})`.slice(0, 256),
      body: text,
      labels: [FLAKY_LABEL],
    });
    out.opened.push(created.data.html_url);
  }
  // Every id the history holds, hashed once each (stored runs share their interner's names).
  const ids = new Set<string>();
  for (const r of runs) {
    if (r.columns) for (const n of r.columns.ids) ids.add(r.columns.interner.names[n]);
    else for (const id of r.tests.keys()) ids.add(id);
  }
  const known = new Set([...ids].map(hash));
  const passedNow = new Set([...passed].map(hash));
  const where = t.runUrl ? ` in ${t.runUrl}` : '';
  for (const [h, issue] of byTest) {
    const q = over.get(h);
    const healthy = (!q || !active(q, now)) && passedNow.has(h);
    if (healthy) {
      await close(client, at, issue, `The test passed under the flake threshold${where}: closing.`);
      out.closed.push(issue.html_url);
    } else if (!known.has(h)) {
      await close(
        client,
        at,
        issue,
        `The test is no longer in this environment's history${where}: closing.`,
      );
      out.closed.push(issue.html_url);
    }
  }
  return out;
}
