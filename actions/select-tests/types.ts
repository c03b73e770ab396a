import type { BaseDeps } from '../../shared/action/action.js';
import type { CacheClient } from '../../shared/history/cache-store.js';
import type { HistoryScope, HistorySpec } from '../../shared/history/spec.js';
import type { FlakePolicy } from '../../shared/history/policy.js';
import type { Profile } from '../../shared/profile.js';
import type { RetryPolicy } from '../../shared/retry.js';
import type { Inventory } from './inventory.js';
import type { Matrix } from './matrix.js';
import type { PrLabels, PrLabelSource } from './pr-labels.js';
import type { Quarantine } from './quarantine.js';
import type { Runner } from './runners.js';
import type { Shard } from './shards.js';

/** Everything a selection needs, typed; built by options(ctx), or by a test or bench directly. */
export interface Options {
  workspace: string;
  environment?: string;
  /** The environment's scope: the label-filter input, else the profile's. */
  labelFilter: string;
  /** Where the scope came from, for messages and the summary. */
  scopeSource: 'input' | 'profile' | 'none';
  focus: string;
  skip: string;
  runner: Runner;
  inventory: string[];
  prLabels: PrLabelSource;
  /** The quarantine file; none with `quarantine: auto`. */
  quarantine?: string;
  /** `quarantine: auto`: leave out what the history's flake budget says is over it. */
  autoQuarantine: boolean;
  /** The test history, read only; undefined for none. */
  history?: HistoryOptions;
  /** `failed`: on a re-run attempt, only what failed in the attempt before. */
  rerun: 'all' | 'failed';
  /** This run and attempt, as the history files them. */
  run: { id: string; attempt: number };
  /** Where the arguments file goes: RUNNER_TEMP, or the system's temporary folder. */
  tempDir: string;
  shardCount: number;
  shardIndex: number;
  timings: string[];
  /** What to name when a file setting is wrong: the input, or the profile field it came from. */
  sources: { inventory: string; quarantine: string; timings: string };
  matrix: boolean;
  profile?: Profile;
  failOnEmpty: boolean;
}

export interface HistoryOptions {
  spec: Exclude<HistorySpec, { kind: 'none' }>;
  scope: HistoryScope;
  policy: FlakePolicy;
}

export interface Deps extends BaseDeps {
  /** How the GitHub API is retried; tests pass scaledPolicy(0). */
  retry: RetryPolicy;
  /** Today, for quarantine entries that end on a date. */
  now: () => Date;
  /** The Actions cache for `history: cache`; @actions/cache when not given. */
  cache?: CacheClient;
}

/** What was selected: the filter, the runner's arguments and, with an inventory, the tests. */
export interface Selection {
  /** The final expression: scope && PR focus && !PR skip && !quarantined labels. */
  filter: string;
  parts: Array<{ source: string; filter: string }>;
  focus: string;
  skip: string;
  args: string[];
  /** The file listing the runner's arguments, one a line; runs are separated by an empty line. */
  argsFile?: string;
  /** The runs of the runner that file lists (one, unless one pattern is too long for one). */
  runs?: string[][];
  /** The arguments are too long for a command line: the file carries them. */
  long?: { bytes: number; longest: number };
  prLabels: PrLabels;
  quarantine?: Quarantine;
  /** Inventory tests the quarantine really left out (by id or by label). */
  quarantinedOut?: number;
  inventory?: Inventory;
  /** Selected ids across all shards, in inventory order. */
  selected?: string[];
  /** This shard's ids (all selected ids without sharding). */
  tests?: string[];
  shards?: Shard[];
  lowerBound?: number;
  timingsKnown?: number;
  shardIndex?: number;
  matrix?: Matrix;
  runner: Runner;
  /** On a re-run attempt with `rerun: failed`: how the selection was narrowed. */
  rerun?: { attempt: number; failed: number; of?: number };
  /** Things the user should look at; the selection went ahead anyway. */
  warnings: string[];
  /** Worth knowing, nothing to fix (a re-run that selects as usual, and why). */
  notices: string[];
}

/** The typed result, read by the root action that composes select-tests with the others. */
export type Result = Selection;

/** select-tests changes nothing, so it has no post step and saves no state. */
export type State = never;
