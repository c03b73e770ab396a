import { UserError, quote } from './errors.js';

/**
 * The environment profile (`.github/virt-ci.yaml`): the pipeline's environment table, written
 * once and read by every action. Its types and the environment lookup; reading the file is
 * profile-file.ts, and choosing the step's environment is profile-context.ts.
 */
export const DEFAULT_PROFILE = '.github/virt-ci.yaml';
export const HYPERVISORS = ['auto', 'kvm', 'mshv', 'emulation'] as const;
export type HypervisorMode = (typeof HYPERVISORS)[number];
export const GATE_TARGETS = [
  'kubevirt',
  'hco',
  'cdi',
  'overlay',
  'kind-config',
  'resource',
] as const;
export type GateTarget = (typeof GATE_TARGETS)[number];

export interface GateSettings {
  target?: GateTarget;
  namespace?: string;
  name?: string;
  path?: string;
  kubeconfig?: string;
  emulation?: boolean;
  hypervisor?: string;
  timeout?: string;
  /** Gate name → enabled. Names are data: any Kubernetes gate name. */
  values: Record<string, boolean>;
}

export interface TestSettings {
  labelFilter?: string;
  focus?: string;
  skip?: string;
  runner?: string;
  inventory?: string;
  quarantine?: string;
  timings?: string[];
}

export interface PromoteSettings {
  source?: string;
  targets?: string[];
  referrers?: boolean;
  overwrite?: boolean;
}

/**
 * The flake policy (`flake:`), as written; shared/history/policy.ts turns it into numbers.
 * `budget`: the share of test runs allowed to be flaky (`0.5%`); `threshold`: how many flaky
 * runs among a test's newest runs quarantine it (`2 in 100`); `expiry`: how long a quarantine
 * lasts (`14d`); `issues`: one GitHub issue per quarantined test; `keep` / `period`: how much
 * history is kept (runs per environment, and an age such as `90d`).
 */
export interface FlakeSettings {
  budget?: string;
  threshold?: string;
  expiry?: string;
  issues?: boolean;
  keep?: number;
  period?: string;
}

export interface EnvironmentSettings {
  description?: string;
  hypervisor?: HypervisorMode;
  fallback?: 'none' | 'emulation';
  packages?: string[];
  env: Record<string, string>;
  gates: GateSettings;
  tests: TestSettings;
  promote: PromoteSettings;
  junit?: string[];
  flake: FlakeSettings;
  /** Extra fields copied into this environment's matrix entry (runs-on, shard counts...). */
  matrix: Record<string, string | number | boolean>;
}

export interface Environment extends EnvironmentSettings {
  name: string;
}

export interface Profile {
  file: string;
  version: 1;
  defaults: EnvironmentSettings;
  environments: Environment[];
}

export function findEnvironment(profile: Profile, name: string): Environment {
  const env = profile.environments.find((e) => e.name === name);
  if (!env) {
    const names = profile.environments.map((e) => e.name);
    throw new UserError(
      `${profile.file}: environment ${quote(name)} is not defined; allowed: ${names.length ? names.join(', ') : '(the profile defines none)'}`,
    );
  }
  return env;
}

export interface ProfileContext {
  profile?: Profile;
  /** The chosen environment merged over the defaults; the defaults alone when none is chosen. */
  environment?: Environment;
  settings: EnvironmentSettings;
}

/** The settings of a step with no profile: every field left to the inputs and defaults. */
export function emptySettings(): EnvironmentSettings {
  return { env: {}, gates: { values: {} }, tests: {}, promote: {}, flake: {}, matrix: {} };
}

export function workspaceDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.GITHUB_WORKSPACE || process.cwd();
}
