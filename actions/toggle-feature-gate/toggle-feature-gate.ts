import { failed, type Outcome } from '../../shared/action/outcome.js';
import { toggleKindConfig, type FileOutcome } from './kind-config.js';
import { clone, setAt, snapshot, type JsonObject } from './json-patch.js';
import { base, outcomeOf } from './result.js';
import type { Deps, FilesState, Options, Result, State } from './types.js';

/**
 * toggle-feature-gate: set gates (and KubeVirt's emulation/hypervisor settings) on a live
 * object or in files, wait until the cluster has taken them, and say what the post step must
 * put back. A failure after the change still reports the change and saves the state: the
 * change is in place, and the post step should undo it.
 */
export async function run(o: Options, deps: Deps): Promise<Outcome<Result, State>> {
  if (o.target === 'overlay' || o.target === 'kind-config') return runFiles(o);
  // The live path (and the Kubernetes client behind it) loads only for a live target.
  const { runLive } = await import('./live-run.js');
  return runLive(o, deps);
}

async function runFiles(o: Options): Promise<Outcome<Result, State>> {
  const shown = o.pathShown ?? o.path ?? '';
  let out: FileOutcome;
  let object: string;
  try {
    // The overlay's code (and kustomize) loads only for its target; the YAML parser loads
    // in each, when the file is read.
    if (o.target === 'overlay') {
      object = `overlay ${shown} (KubeVirt ${o.name})`;
      const { toggleOverlay } = await import('./overlay.js');
      out = await toggleOverlay({ dir: o.path ?? '', shown, name: o.name }, o.want, o.dryRun);
    } else {
      object = `kind config ${shown}`;
      out = await toggleKindConfig(o.path ?? '', shown, o.want, o.dryRun);
    }
  } catch (err) {
    return failed(err, { notes: o.notes });
  }
  const result: Result = {
    ...base(o, object),
    changed: out.patch.length > 0,
    before: out.edit.before,
    after: out.edit.after,
    patch: out.patch,
    files: out.preview,
    warnings: out.edit.warnings,
  };
  // The previous values as the rendered object held them.
  const prev: JsonObject = {};
  for (const op of out.patch) if (op.op === 'test') setAt(prev, op.path, clone(op.value ?? null));
  result.previous = snapshot(prev, out.edit.pointers);
  const state: FilesState | undefined =
    out.restore && o.restore ? { kind: 'files', target: o.target, files: out.restore } : undefined;
  return outcomeOf(o, result, { state });
}
