import type { RunResult } from '../../shared/harness/runner.js';
import type { Environment, Profile } from '../../shared/profile.js';

/** What a demo step can see: the demo's workspace, the environment being played, and a shared bag. */
export interface DemoContext {
  repoRoot: string;
  /** The workspace every action runs in (holds .github/virt-ci.yaml and the demo's files). */
  workspace: string;
  profile: Profile;
  /** The mocha spec file the tests step runs. */
  suite: string;
  environment?: Environment;
  /** Values passed between steps, e.g. the digest dev tested. */
  shared: Map<string, unknown>;
}

export interface DemoStep {
  /** The action whose bundle runs; absent for a step the demo does itself (`local`). */
  action?: string;
  /** What this step is for, shown in the terminal. */
  title: string;
  inputs: Record<string, string>;
  env?: Record<string, string>;
  /** Why the step cannot run on this machine (a tool it needs is absent); undefined: it can. */
  skip?(ctx: DemoContext): string | undefined;
  /** Prepare files in the workspace before the action runs. */
  prepare?(ctx: DemoContext): Promise<void>;
  /** One line that says what the action decided, from its outputs. */
  describe?(result: RunResult, ctx: DemoContext): string;
  /** A step that is not an action (running the tests): returns its one-line description. */
  local?(ctx: DemoContext, env: Record<string, string>): Promise<LocalOutcome>;
  /** Take what later steps need from the result. */
  after?(result: RunResult, ctx: DemoContext): Promise<void> | void;
}

export interface LocalOutcome {
  ok: boolean;
  line: string;
  /** Lines shown under the step's, e.g. each skipped test and why. */
  details?: string[];
}

/** Where in the pipeline a step belongs. */
export type Stage = 'environment' | 'promote' | 'dashboard';

/** An action's part in the demo: the step it plays at a stage (undefined: none there). */
export type DemoPlan = (stage: Stage, ctx: DemoContext) => DemoStep | undefined;
