/**
 * setup-hypervisor's step with the udev rules going to a folder of the test's own (argv[2]),
 * for a test that runs the step as another user: that takes a process of its own, which
 * runInProcess cannot give, and the bundle has no way to be handed the folder.
 */
import { action } from '../../actions/setup-hypervisor/action.js';
import { runAction } from '../../shared/action/action.js';

const udevRulesDir = process.argv[2];
if (!udevRulesDir) throw new Error('usage: rules-dir-step.ts <udev rules folder>');
await runAction({ ...action, deps: (ctx, base) => ({ ...action.deps(ctx, base), udevRulesDir }) });
