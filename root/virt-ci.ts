import * as core from '@actions/core';
import { main as selectTests } from '../actions/select-tests/select-tests.js';
import { main as setupHypervisor } from '../actions/setup-hypervisor/setup-hypervisor.js';
import {
  main as toggleFeatureGate,
  post as restoreFeatureGates,
} from '../actions/toggle-feature-gate/toggle-feature-gate.js';
import { Inputs, envInputSource } from '../shared/inputs.js';
import { loadProfileContext } from '../shared/profile.js';

/**
 * The root action: one environment of the profile applied in one step and one process —
 * setup-hypervisor, then toggle-feature-gate when a gate target is configured, then
 * select-tests. Each part reads the same inputs (the root action.yml is their union) and
 * writes its own outputs, so the step's outputs are the union of theirs.
 */
const CR_TARGETS = new Set(['kubevirt', 'overlay']);

export interface Plan {
  gates: boolean;
  why: string;
}

/** Gates are set when a target is configured (input or profile) and there is something to set. */
export function planGates(inputs: Inputs): Plan {
  const { settings } = loadProfileContext(inputs);
  const target = inputs.string('target', { profile: settings.gates.target });
  if (!target)
    return {
      gates: false,
      why: 'no gate target is configured (input "target" or the profile\'s gates.target)',
    };
  const anything =
    inputs.has('gates') ||
    Object.keys(settings.gates.values).length > 0 ||
    inputs.has('emulation') ||
    inputs.has('hypervisor') ||
    settings.gates.emulation !== undefined ||
    settings.gates.hypervisor !== undefined ||
    settings.hypervisor === 'emulation';
  if (!anything)
    return { gates: false, why: `the ${target} target has no gates to set for this environment` };
  return { gates: true, why: `target ${target}` };
}

/**
 * When the runner had no hardware hypervisor and the job fell back to emulation, a KubeVirt CR
 * must say so too (useEmulation), unless the user or the profile already decided.
 */
export function withEmulationHint(inputs: Inputs, source = envInputSource()): Inputs {
  const { settings } = loadProfileContext(inputs);
  const target = inputs.string('target', { profile: settings.gates.target });
  const decided = inputs.has('emulation') || settings.gates.emulation !== undefined;
  if (decided || !CR_TARGETS.has(target) || process.env.VIRT_CI_HYPERVISOR !== 'emulation')
    return inputs;
  core.info('The job runs under emulation: the KubeVirt CR gets useEmulation: true as well.');
  return new Inputs((name) => (name === 'emulation' ? 'true' : source(name)));
}

export async function main(inputs = new Inputs()): Promise<void> {
  // Validate the profile and the environment once, before anything changes.
  const ctx = loadProfileContext(inputs);
  const label = ctx.environment ? ` (${ctx.environment.name})` : '';

  core.startGroup(`setup-hypervisor${label}`);
  try {
    await setupHypervisor(inputs);
  } finally {
    core.endGroup();
  }

  const plan = planGates(inputs);
  if (plan.gates) {
    core.startGroup(`toggle-feature-gate${label}: ${plan.why}`);
    try {
      await toggleFeatureGate(withEmulationHint(inputs));
    } finally {
      core.endGroup();
    }
  } else {
    core.info(`Feature gates left alone: ${plan.why}.`);
  }

  core.startGroup(`select-tests${label}`);
  try {
    await selectTests(inputs);
  } finally {
    core.endGroup();
  }
}

/** The post step: what toggle-feature-gate's `restore: true` saved is put back. */
export async function post(inputs = new Inputs()): Promise<void> {
  await restoreFeatureGates(inputs);
}
