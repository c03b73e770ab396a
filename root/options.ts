import type { Context } from '../shared/action/context.js';
import type { Input as SelectInput } from '../actions/select-tests/names.gen.js';
import { options as selectOptions } from '../actions/select-tests/options.js';
import type { Input as HypervisorInput } from '../actions/setup-hypervisor/names.gen.js';
import { options as hypervisorOptions } from '../actions/setup-hypervisor/options.js';
import type { Input as GateInput } from '../actions/toggle-feature-gate/names.gen.js';
import {
  gatePlan,
  options as gateOptions,
  wantedGates,
} from '../actions/toggle-feature-gate/options.js';
import type { Input } from './names.gen.js';
import type { Options } from './types.js';

// The root action.yml is generated as the union of its parts' inputs (scripts/root-action.mjs),
// less select-tests' `matrix`; a part's input missing from it is a compile error here.
type Missing = Exclude<HypervisorInput | GateInput | Exclude<SelectInput, 'matrix'>, Input>;
const everyPartInputIsDeclared: [Missing] extends [never] ? true : Missing = true;
void everyPartInputIsDeclared;

/**
 * Every part's options from the one context, before any part runs: a bad input anywhere
 * fails the step before the hypervisor or a gate is touched. The gate step runs only where a
 * target is configured and there is something to set (toggle-feature-gate's own rule).
 */
export function options(ctx: Context<Input>): Options {
  const plan = gatePlan(wantedGates(ctx as Context<GateInput>), { requireTarget: true });
  return {
    environment: ctx.profile.environment?.name,
    hypervisor: hypervisorOptions(ctx as Context<HypervisorInput>),
    gates: plan.set ? { plan, options: gateOptions(ctx as Context<GateInput>) } : { plan },
    tests: selectOptions(ctx as Context<SelectInput>),
  };
}
