import type { BaseDeps } from '../../shared/action/action.js';
import type { GateTarget } from '../../shared/profile.js';
import type { RetryPolicy } from '../../shared/retry.js';
import type { GateState, Wanted } from './edits.js';
import type { FileRestore } from './files.js';
import type { PatchOp, Snapshot } from './json-patch.js';
import type { ConnectionRef } from './kubeconfig.js';
import type { Readiness } from './conditions.js';

/**
 * The types every module of toggle-feature-gate shares: what a run is asked to do (Options),
 * what it is given (Deps), what it did (Result) and what the post step needs to undo it
 * (State). They live apart from the work so the report and the parts import no work module.
 */

/** Where the target came from: the root action runs this step only for a configured one. */
export type TargetSource = 'input' | 'profile' | 'default';

/** The part of the options that decides whether there is anything to do (see gatePlan). */
export interface WantedGates {
  target: GateTarget;
  targetFrom: TargetSource;
  want: Wanted;
  /** Where the settings came from, for the summary and messages. */
  environment?: string;
}

/** Everything a run needs, typed; built by options(ctx), or by a test directly. */
export interface Options extends WantedGates {
  namespace: string;
  name: string;
  /** The `kubeconfig` input or profile setting, relative to the workspace. */
  kubeconfig?: string;
  /** overlay folder or kind config, absolute. */
  path?: string;
  /** `path` as the user wrote it, for messages. */
  pathShown?: string;
  /** resource target: the object's API path. */
  resourcePath?: string;
  pointer?: string;
  format: 'auto' | 'list' | 'map' | 'string';
  wait: boolean;
  timeoutMs: number;
  restore: boolean;
  dryRun: boolean;
  workspace: string;
  /** Said in the log before the result, e.g. why useEmulation is set although nobody asked. */
  notes?: string[];
}

export interface Deps extends BaseDeps {
  /** Retries of each API request (429, 5xx, connection faults). */
  retry: RetryPolicy;
  /** How long one request may go unanswered before it counts as a connection fault. */
  requestTimeoutMs: number;
  /** How often a wait reads the object again. */
  pollMs: number;
  /**
   * Hide a value from every later log line. The kubeconfig's secrets are only known once the
   * work has read it, and progress lines (retries) are printed before the outcome is applied.
   */
  mask(secret: string): void;
}

export interface Result {
  target: GateTarget;
  /** What was changed, for people: "KubeVirt kubevirt/kubevirt", "overlay deploy/dev". */
  object: string;
  /** A change was made (on a dry run: would be made). */
  changed: boolean;
  dryRun: boolean;
  enabled: string[];
  disabled: string[];
  before: Record<string, GateState>;
  after: Record<string, GateState>;
  /** The values this run replaced, by JSON pointer (absent pointers left out). */
  previous: Snapshot;
  patch: PatchOp[];
  generation?: number;
  readiness?: Readiness;
  /** Files written, or on a dry run what would be written. */
  files: Array<{ file: string; content: string }>;
  warnings: string[];
}

/** What the post step puts back in files: each file's content before and as written. */
export interface FilesState {
  kind: 'files';
  target: GateTarget;
  files: FileRestore;
}

/** What the post step puts back in a live object; no secret: the kubeconfig by path only. */
export interface LiveState {
  kind: 'live';
  target: GateTarget;
  /** The connection as the main step resolved it, so the post step talks to the same cluster. */
  connection: ConnectionRef;
  /** The object's API path. */
  path: string;
  object: string;
  /** The values before the change, by pointer (absent ones left out: they are removed). */
  previous: Snapshot;
  /** The values this run set: only those still holding them are put back. */
  set: Snapshot;
  pointers: string[];
  wait: boolean;
  timeoutMs: number;
}

export type State = FilesState | LiveState;

/** What the post step did. */
export interface RestoreResult {
  object: string;
  restored: string[];
  /** Values (pointers or files) someone changed since this job set them: left alone. */
  skipped: string[];
  patch?: PatchOp[];
  readiness?: Readiness;
}
