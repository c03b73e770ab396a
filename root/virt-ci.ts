import type { Outcome } from '../shared/action/outcome.js';
import { run as selectTests } from '../actions/select-tests/select-tests.js';
import { run as setupHypervisor } from '../actions/setup-hypervisor/setup-hypervisor.js';
import { applyHypervisor } from '../actions/toggle-feature-gate/options.js';
import { run as toggleFeatureGate } from '../actions/toggle-feature-gate/toggle-feature-gate.js';
import type { Deps, Options, Result, State } from './types.js';

/**
 * The root action: setup-hypervisor, then toggle-feature-gate when its plan says so, then
 * select-tests — one environment, one step, one process. Each part's result feeds the next
 * (the hypervisor the job got decides the KubeVirt CR's useEmulation); the step's outputs are
 * the union of theirs. A part that fails stops the step, and what ran before it still shows.
 */
export async function run(o: Options, deps: Deps): Promise<Outcome<Result, State>> {
  const label = o.environment ? ` (${o.environment})` : '';
  const parts: Outcome[] = [];
  const result: Result = {};
  const step = async <R, S>(title: string, work: () => Promise<Outcome<R, S>>) => {
    // A part's notes belong in its group of the log, next to its progress lines.
    const outcome = await deps.log.group(title, async () => {
      const out = await work();
      for (const note of out.notes ?? []) deps.log.info(note);
      return out;
    });
    parts.push({ ...outcome, notes: [] });
    return outcome;
  };

  const hv = await step(`setup-hypervisor${label}`, () =>
    setupHypervisor(o.hypervisor, deps.hypervisor),
  );
  result.hypervisor = hv.result;
  if (hv.failure || !hv.result) return combine(parts, result);

  let state: State | undefined;
  if (o.gates.options) {
    const gateOptions = applyHypervisor(o.gates.options, hv.result.hypervisor);
    const gates = await step(`toggle-feature-gate${label}: ${o.gates.plan.why}`, () =>
      toggleFeatureGate(gateOptions, deps.gates),
    );
    result.gates = gates.result;
    state = gates.state;
    if (gates.failure) return combine(parts, result, state);
  } else {
    deps.log.info(`Feature gates left alone: ${o.gates.plan.why}.`);
  }

  const tests = await step(`select-tests${label}`, () => selectTests(o.tests, deps.tests));
  result.tests = tests.result;
  return combine(parts, result, state);
}

/** One outcome from the parts': outputs, env and masks merged; summaries in order. */
function combine(parts: Outcome[], result: Result, state?: State): Outcome<Result, State> {
  const all = <K extends 'warnings' | 'secrets' | 'annotations'>(key: K) =>
    parts.flatMap((p) => (p[key] ?? []) as NonNullable<Outcome[K]>[number][]);
  return {
    outputs: Object.assign({}, ...parts.map((p) => p.outputs)),
    summary: parts
      .map((p) => p.summary ?? '')
      .filter(Boolean)
      .join('\n'),
    env: Object.assign({}, ...parts.map((p) => p.env ?? {})),
    warnings: all('warnings'),
    secrets: all('secrets'),
    annotations: all('annotations'),
    result,
    ...(state !== undefined ? { state } : {}),
    ...(parts.find((p) => p.failure) ? { failure: parts.find((p) => p.failure)!.failure } : {}),
  };
}
