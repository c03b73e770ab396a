import type { ActionDefinition } from '../shared/action/action.js';
import type { Context } from '../shared/action/context.js';
import { action as selectTests } from '../actions/select-tests/action.js';
import { action as setupHypervisor } from '../actions/setup-hypervisor/action.js';
import { action as toggleFeatureGate } from '../actions/toggle-feature-gate/action.js';
import type { Input } from './names.gen.js';
import { options } from './options.js';
import type { Deps, Options, Result, State } from './types.js';
import { run } from './virt-ci.js';

const gatePost = toggleFeatureGate.post!;

export const action: ActionDefinition<Input, Options, Deps, Result, State> = {
  name: 'virt-ci',
  options,
  deps: (ctx, base) => ({
    ...base,
    hypervisor: setupHypervisor.deps(ctx as Context<never>, base),
    gates: toggleFeatureGate.deps(ctx as Context<never>, base),
    tests: selectTests.deps(ctx as Context<never>, base),
  }),
  run,
  // What toggle-feature-gate's `restore: true` saved is put back, by toggle-feature-gate.
  post: {
    version: gatePost.version,
    parse: gatePost.parse,
    run: (state, deps) => gatePost.run(state, deps.gates),
  },
};
