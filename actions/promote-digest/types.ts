import type { BaseDeps } from '../../shared/action/action.js';
import type { Log } from '../../shared/action/log.js';
import type { RetryPolicy } from '../../shared/retry.js';
import type { Credentials } from './credentials.js';
import type { Manifest } from './manifest.js';
import type { Reference } from './reference.js';
import type { Stats, Store } from './store.js';

/**
 * The types every module of promote-digest shares: what a run is asked to do (Options), what
 * it is given (Deps) and what it did (Result). They live apart from the work so the report and
 * the parts import no work module.
 */

/** What one promotion is asked to do: the part of the options the copy itself reads. */
export interface PromoteRequest {
  /** A reference with a tag or digest, or oci:<dir>:<tag>. */
  source: string;
  /** The digest the caller tested; a different resolved digest fails before anything moves. */
  digest?: string;
  targets: string[];
  credentials: Credentials;
  referrers: boolean;
  overwrite: boolean;
  verifyOnly: boolean;
  /** Blob transfers at once. */
  concurrency: number;
  /** Registries (host[:port]) reached over plain HTTP. */
  insecure: string[];
  /** oci:<dir> references are relative to it, and must stay inside it (or `tempDir`). */
  workspace: string;
  /** RUNNER_TEMP: the other folder oci:<dir> layouts and the record may be in. */
  tempDir?: string;
}

/** The workflow run a promotion record names; absent facts are left out of the record. */
export interface RunFacts {
  repository?: string;
  workflow?: string;
  workflowRef?: string;
  job?: string;
  runId?: string;
  runAttempt?: string;
  sha?: string;
  ref?: string;
  actor?: string;
  url?: string;
}

/** Everything a run needs, typed; built by options(ctx), or by a test directly. */
export interface Options extends PromoteRequest {
  /**
   * The Docker config docker/login-action writes; its logins are merged under `credentials`.
   * Read by the work (a file, not an input); undefined: none.
   */
  dockerConfig?: string;
  /** Path of the promotion record, relative to the workspace; empty: none. */
  record: string;
  run: RunFacts;
}

export interface Deps extends BaseDeps {
  /** Retries of every registry request and blob transfer (429, 5xx, connection faults). */
  retry: RetryPolicy;
  /**
   * Hide a value from every later log line, at once: the Docker config's logins and the
   * tokens made from them are found during the work, before the outcome is applied.
   */
  mask: (secret: string) => void;
  /** See PromoteDeps. */
  idleTimeoutMs?: number;
  settleMs?: number;
}

/** What promote() is given besides the request. */
export interface PromoteDeps {
  log: Log;
  retry: RetryPolicy;
  /**
   * Told every secret the work comes across (Basic values, tokens). The outcome carries them
   * to the runner's masks; no progress line names one, so none is printed before.
   */
  mask: (secret: string) => void;
  /**
   * A request with no byte either way for this long is dropped and retried like a reset
   * connection. Default: DEFAULT_IDLE_TIMEOUT_MS (60 s).
   */
  idleTimeoutMs?: number;
  /**
   * With overwrite: false, how long after its tag writes a run waits before reading the tags
   * back, so runs that wrote the same tag at nearly the same time all see the last write and
   * agree on who won. Default: DEFAULT_SETTLE_MS (1 s).
   */
  settleMs?: number;
}

export type TargetStatus =
  | 'created'
  | 'moved'
  | 'unchanged'
  | 'pushed'
  | 'verified'
  | 'differs'
  | 'missing'
  | 'failed'
  | 'not moved'
  | 'rolled back'
  | 'overwritten';

export interface TargetResult {
  target: string;
  /** repository@digest: what test jobs should pull. */
  ref: string;
  tag?: string;
  /** The digest the tag pointed at before. */
  previous?: string;
  /**
   * The digest the tag holds when read back after this run's writes; another than `digest`
   * means a concurrent promotion wrote it after this run (status `overwritten`).
   */
  holds?: string;
  status: TargetStatus;
  referrers: number;
  error?: string;
}

export interface PromoteResult {
  source: string;
  sourceRef: string;
  digest: string;
  mediaType: string;
  platforms: string[];
  targets: TargetResult[];
  referrers: number;
  stats: Stats;
  verifyOnly: boolean;
  /** Some tag or manifest was written. */
  changed: boolean;
}

/** One target of a promotion, from the checks before anything moves to its tag's move. */
export interface TargetPlan {
  ref: Reference;
  store: Store;
  /** The repository it lands in; targets in one share a copier (and their referrers). */
  key: string;
  result: TargetResult;
  /** The manifest the tag held before, to put it back if a later tag fails. */
  previous?: Manifest;
}

/** The in-toto Statement v1 that proves which digest went where, when, and from which run. */
export interface PromotionStatement {
  _type: string;
  subject: Array<{ name: string; digest: Record<string, string> }>;
  predicateType: string;
  predicate: {
    source: { ref: string; digest: string; mediaType: string; platforms: string[] };
    targets: Array<{
      ref: string;
      pinned: string;
      status: TargetStatus;
      previous?: string;
      holds?: string;
      referrers?: number;
    }>;
    verifyOnly: boolean;
    time: string;
    run: RunFacts;
  };
}

export interface RecordWritten {
  /** As the input gave it, relative to the workspace. */
  file: string;
  statement: PromotionStatement;
}

export interface Result {
  promotion: PromoteResult;
  /** Written only when the promotion (or verification) held. */
  record?: RecordWritten;
}

/** No post step: a promotion leaves nothing to undo when the job ends. */
export type State = never;
