import type { BaseDeps } from '../shared/action/action.js';
import type * as SelectTests from '../actions/select-tests/types.js';
import type * as SetupHypervisor from '../actions/setup-hypervisor/types.js';
import type { GatePlan } from '../actions/toggle-feature-gate/options.js';
import type * as ToggleFeatureGate from '../actions/toggle-feature-gate/types.js';

/**
 * The root action applies one environment in one step: its options are its parts' options,
 * resolved together before anything changes; its deps are its parts' deps.
 */
export interface Options {
  /** The environment's name, for the log's group titles. */
  environment?: string;
  hypervisor: SetupHypervisor.Options;
  gates: { plan: GatePlan; options?: ToggleFeatureGate.Options };
  tests: SelectTests.Options;
}

export interface Deps extends BaseDeps {
  hypervisor: SetupHypervisor.Deps;
  gates: ToggleFeatureGate.Deps;
  tests: SelectTests.Deps;
}

export interface Result {
  hypervisor?: SetupHypervisor.Result;
  gates?: ToggleFeatureGate.Result;
  tests?: SelectTests.Result;
}

/** What the post step needs: toggle-feature-gate's, when it changed something to put back. */
export type State = ToggleFeatureGate.State;
