import { readFileSync } from 'node:fs';

/**
 * What the runner says about the run (the GITHUB_* variables), read once per step. The event
 * payload is read on first use: most steps never need it.
 */
export interface GitHubContext {
  apiUrl: string;
  serverUrl: string;
  repository: string;
  sha: string;
  ref: string;
  eventName: string;
  runId: string;
  runAttempt: string;
  workflow: string;
  workflowRef: string;
  job: string;
  actor: string;
  /** The webhook payload of the event (GITHUB_EVENT_PATH); `{}` when there is none. */
  event(): Record<string, unknown>;
  /**
   * The URL of this run, when the runner named one. A link for people names the attempt only
   * on a re-run (the run's page shows its first); a record that must say which attempt it
   * came from asks for `{ attempt: true }`.
   */
  runUrl(opts?: { attempt?: boolean }): string | undefined;
}

export function githubContext(env: NodeJS.ProcessEnv): GitHubContext {
  let event: Record<string, unknown> | undefined;
  const ctx: GitHubContext = {
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    serverUrl: env.GITHUB_SERVER_URL || 'https://github.com',
    repository: env.GITHUB_REPOSITORY || '',
    sha: env.GITHUB_SHA || '',
    ref: env.GITHUB_REF || '',
    eventName: env.GITHUB_EVENT_NAME || '',
    runId: env.GITHUB_RUN_ID || '',
    runAttempt: env.GITHUB_RUN_ATTEMPT || '',
    workflow: env.GITHUB_WORKFLOW || '',
    workflowRef: env.GITHUB_WORKFLOW_REF || '',
    job: env.GITHUB_JOB || '',
    actor: env.GITHUB_ACTOR || '',
    event: () => (event ??= readEvent(env.GITHUB_EVENT_PATH)),
    runUrl: (opts = {}) => {
      if (!ctx.repository || !ctx.runId) return undefined;
      const named = ctx.runAttempt && (opts.attempt || ctx.runAttempt !== '1');
      return `${ctx.serverUrl}/${ctx.repository}/actions/runs/${ctx.runId}${named ? `/attempts/${ctx.runAttempt}` : ''}`;
    },
  };
  return ctx;
}

function readEvent(file: string | undefined): Record<string, unknown> {
  if (!file) return {};
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    // A missing or unreadable payload means "no event details", as outside a runner.
    return {};
  }
}

/** `owner/repo` split, or an error naming GITHUB_REPOSITORY. */
export function splitRepository(repository: string): { owner: string; repo: string } {
  const [owner, repo, extra] = repository.split('/');
  if (!owner || !repo || extra !== undefined)
    throw new Error(`GITHUB_REPOSITORY ${JSON.stringify(repository)} is not owner/repo`);
  return { owner, repo };
}
