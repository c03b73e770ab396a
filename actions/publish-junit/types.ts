import type { BaseDeps } from '../../shared/action/action.js';
import type { GitHubContext } from '../../shared/action/github.js';
import type { CacheClient } from '../../shared/history/cache-store.js';
import type { RetryPolicy } from '../../shared/retry.js';
import type { HistorySettings, HistoryView } from './history.js';
import type { IssueSync } from './issues.js';
import type { Results } from './results.js';

/** Everything publish-junit needs, typed; built by options(ctx), or by a test directly. */
export interface Options {
  workspace: string;
  /** Globs of JUnit reports, relative to the workspace. */
  paths: string[];
  /**
   * Whether the `paths` input itself named reports (the profile's `junit` and the default do
   * not count): a dashboard run reads this run's own reports only when they were named on
   * purpose.
   */
  pathsGiven: boolean;
  name: string;
  environment?: string;
  summary: boolean;
  annotations: number;
  checkRun: 'auto' | 'true' | 'false';
  comment: 'off' | 'always' | 'failures';
  token: string;
  artifact: string;
  logs: string[];
  retentionDays?: number;
  failOn: 'failures' | 'errors' | 'none';
  requireTests: boolean;
  flaky: boolean;
  aggregate: string[];
  /** Where to write the results JSON; empty: a file under the runner's temporary folder. */
  output: string;
  /** The test history to read and add to; undefined: none. */
  history?: HistorySettings;
  /** The profile's environments in its order: the dashboard's rows, and who is missing. */
  environments: string[];
  tempDir: string;
  github: GitHubContext;
}

export interface Deps extends BaseDeps {
  /** How GitHub API calls are retried; tests pass scaledPolicy(0). */
  retry: RetryPolicy;
  /** The Actions cache for `history: cache`; @actions/cache when not given. */
  cache?: CacheClient;
  /** The time this run is recorded at. */
  now: () => Date;
}

/** What was published, for a caller that composes actions. */
export interface Result {
  results: Results;
  /** The results JSON written; empty when it could not be written. */
  resultsFile: string;
  checkUrl?: string;
  commentUrl?: string;
  artifactId?: number;
  history?: HistoryView;
  issues?: IssueSync;
}

/** publish-junit has no post step: it saves nothing. */
export type State = never;

/** What publishing did besides the results, said at the end of the step. */
export interface Published {
  notices: string[];
  /**
   * Publishing that did not happen although asked for (a check run with check-run: auto, the
   * comment): the tests' verdict stands, so these warn instead of failing the step.
   */
  warnings: string[];
  failures: string[];
}

export interface PullRequest {
  number?: number;
  fork: boolean;
  headSha?: string;
}
