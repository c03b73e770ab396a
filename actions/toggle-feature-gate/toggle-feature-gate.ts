import * as core from '@actions/core';
import { UserError } from '../../shared/errors.js';
import { Inputs } from '../../shared/inputs.js';
import {
  KV_GATES,
  editAuto,
  editCdi,
  editHco,
  editKubeVirt,
  type Edit,
  type GateState,
} from './edits.js';
import { restoreFiles, type FileRestore } from './files.js';
import { toggleKindConfig, type FileOutcome } from './kind-config.js';
import { ApiError, KubeClient } from './kube-client.js';
import { connectionSecrets, loadConnection } from './kubeconfig.js';
import {
  getAt,
  isObject,
  setAt,
  clone,
  deepEqual,
  type JsonObject,
  type PatchOp,
} from './json-patch.js';
import {
  applyConflictSafe,
  readiness,
  snapshot,
  waitUntilTaken,
  type Readiness,
  type Snapshot,
} from './live.js';
import { readOptions, type Options } from './options.js';
import { toggleOverlay } from './overlay.js';
import { report, reportRestore } from './report.js';

/**
 * toggle-feature-gate: set gates (and KubeVirt's emulation/hypervisor settings) on a live
 * object or in files, wait until the cluster has taken them, and optionally put the previous
 * configuration back in the post step.
 */
export interface Result {
  target: Options['target'];
  /** What was changed, for people: "KubeVirt kubevirt/kubevirt", "overlay deploy/dev". */
  object: string;
  /** A change was made (on a dry run: would be made). */
  changed: boolean;
  dryRun: boolean;
  enabled: string[];
  disabled: string[];
  before: Record<string, GateState>;
  after: Record<string, GateState>;
  /** The values this run replaced, by JSON pointer (absent pointers left out). */
  previous: Snapshot;
  patch: PatchOp[];
  generation?: number;
  readiness?: Readiness;
  /** Files written, or on a dry run what would be written. */
  files: Array<{ file: string; content: string }>;
  warnings: string[];
  restore?: RestoreState;
}

export type RestoreState =
  | { kind: 'files'; files: FileRestore }
  | {
      kind: 'live';
      path: string;
      object: string;
      previous: Snapshot;
      set: Snapshot;
      pointers: string[];
      wait: boolean;
      timeoutMs: number;
    };

const STATE_KEY = 'restore';

export interface LiveSpec {
  path: string;
  object: string;
  edit(obj: JsonObject): Edit;
  /** Must the wait see operator conditions? Plain objects (a ConfigMap) have none. */
  hasStatus: boolean;
}

export function liveSpec(o: Options): LiveSpec {
  const ns = encodeURIComponent(o.namespace);
  const name = encodeURIComponent(o.name);
  switch (o.target) {
    case 'kubevirt': {
      const object = `KubeVirt ${o.namespace}/${o.name}`;
      return {
        path: `/apis/kubevirt.io/v1/namespaces/${ns}/kubevirts/${name}`,
        object,
        hasStatus: true,
        edit: (obj) => {
          refuseIfHcoManaged(obj, object);
          return editKubeVirt(obj, o.want, object);
        },
      };
    }
    case 'hco': {
      const object = `HyperConverged ${o.namespace}/${o.name}`;
      return {
        path: `/apis/hco.kubevirt.io/v1beta1/namespaces/${ns}/hyperconvergeds/${name}`,
        object,
        hasStatus: true,
        edit: (obj) => editHco(obj, o.want, object),
      };
    }
    case 'cdi': {
      const object = `CDI ${o.name}`;
      return {
        path: `/apis/cdi.kubevirt.io/v1beta1/cdis/${name}`,
        object,
        hasStatus: true,
        edit: (obj) => editCdi(obj, o.want, object),
      };
    }
    case 'resource': {
      const object = `${o.resourcePath}`;
      return {
        path: o.resourcePath ?? '',
        object,
        hasStatus: false,
        edit: (obj) => editAuto(obj, o.pointer ?? '', o.want, object, o.format),
      };
    }
    default:
      throw new Error(`${o.target} is not a live target`);
  }
}

/**
 * HCO regenerates the KubeVirt CR it owns, so a direct edit would be undone within seconds
 * and the step would report a change that does not last.
 */
function refuseIfHcoManaged(obj: JsonObject, object: string): void {
  const managedBy = getAt(obj, '/metadata/labels/app.kubernetes.io~1managed-by');
  const owners = getAt(obj, '/metadata/ownerReferences');
  const ownedByHco =
    Array.isArray(owners) && owners.some((r) => isObject(r) && r.kind === 'HyperConverged');
  if (managedBy === 'hco-operator' || ownedByHco) {
    throw new UserError(
      `${object} is managed by HyperConverged, which overwrites direct edits; use target: hco (nothing was changed)`,
    );
  }
}

/**
 * Only an object that reports the operator trio of conditions can be judged "taken"; others
 * (a ConfigMap, a Deployment whose Progressing=True means "rolled out") are not waited for.
 */
function hasOperatorConditions(obj: JsonObject): boolean {
  const conds = getAt(obj, '/status/conditions');
  if (!Array.isArray(conds)) return false;
  const types = conds.filter(isObject).map((c) => c.type);
  return ['Available', 'Progressing', 'Degraded'].every((t) => types.includes(t));
}

function scale(env: NodeJS.ProcessEnv): number {
  const s = Number(env.VIRT_CI_RETRY_SCALE ?? '1');
  return Number.isFinite(s) && s >= 0 ? s : 1;
}

function connect(o: Pick<Options, 'kubeconfig' | 'workspace'>, env: NodeJS.ProcessEnv) {
  const conn = loadConnection(o.kubeconfig, env, o.workspace);
  for (const s of connectionSecrets(conn)) core.setSecret(s);
  const s = scale(env);
  const client = new KubeClient(conn, {
    requestTimeoutMs: Math.max(2000, 30_000 * s),
    onRetry: (line) => core.info(line),
  });
  return { client, pollMs: Math.max(50, Math.round(2000 * s)) };
}

function base(o: Options, object: string): Omit<Result, 'changed' | 'before' | 'after'> {
  return {
    target: o.target,
    object,
    dryRun: o.dryRun,
    enabled: o.want.gates.enable,
    disabled: o.want.gates.disable,
    previous: {},
    patch: [],
    files: [],
    warnings: [],
  };
}

async function runLive(o: Options, env: NodeJS.ProcessEnv): Promise<Result> {
  const spec = liveSpec(o);
  const started = Date.now();
  const { client, pollMs } = connect(o, env);
  try {
    let edit: Edit | undefined;
    const outcome = await applyConflictSafe(
      client,
      spec.path,
      spec.object,
      (obj) => {
        edit = spec.edit(obj);
        return edit;
      },
      { dryRun: o.dryRun, log: (l) => core.info(l) },
    );
    if (!edit) throw new Error('no plan was made');
    const result: Result = {
      ...base(o, spec.object),
      changed: outcome.patch.length > 0,
      before: edit.before,
      after: edit.after,
      previous: snapshot(outcome.before, edit.pointers),
      patch: outcome.patch,
      warnings: [...edit.warnings],
    };
    const gen = getAt(outcome.after, '/metadata/generation');
    if (typeof gen === 'number') result.generation = gen;
    if (outcome.written && o.restore) {
      result.restore = {
        kind: 'live',
        path: spec.path,
        object: spec.object,
        previous: result.previous,
        set: snapshot(outcome.after, edit.pointers),
        pointers: edit.pointers,
        wait: o.wait,
        timeoutMs: o.timeoutMs,
      };
      // Saved before waiting: a timed-out wait still leaves the change for the post step.
      core.saveState(STATE_KEY, JSON.stringify(result.restore));
    }
    if (o.wait && !o.dryRun) {
      await waitForIt(client, o, spec, result, { started, pollMs, after: outcome.after });
    }
    return result;
  } finally {
    client.close();
  }
}

/**
 * A failed wait still reports what was changed (outputs, summary) before the step fails: the
 * change is in the cluster, and `previous` is what a later step needs to undo it.
 */
export class WaitError extends UserError {
  constructor(
    message: string,
    readonly result: Result,
  ) {
    super(message);
    this.name = 'WaitError';
  }
}

async function waitForIt(
  client: KubeClient,
  o: Options,
  spec: LiveSpec,
  result: Result,
  timing: { started: number; pollMs: number; after: JsonObject },
): Promise<void> {
  const { started, pollMs, after } = timing;
  if (!spec.hasStatus && !hasOperatorConditions(after)) {
    result.warnings.push(
      `${spec.object} reports no Available/Progressing/Degraded conditions; the change was not waited for`,
    );
    return;
  }
  try {
    result.readiness = await waitUntilTaken(client, spec.path, spec.object, {
      timeoutMs: o.timeoutMs,
      pollMs,
      log: (l) => core.info(l),
    });
    result.generation = result.readiness.generation ?? result.generation;
    if (o.target === 'hco') {
      const left = Math.max(pollMs, o.timeoutMs - (Date.now() - started));
      await waitForHcoKubeVirt(client, o, result, { timeoutMs: left, pollMs });
    }
  } catch (err) {
    if (err instanceof UserError) throw new WaitError(err.message, result);
    throw err;
  }
}

/**
 * HCO's own readiness says it reconciled, not that the KubeVirt CR it generates (named
 * `kubevirt-<hco name>`) holds the gates: an annotation edit does not even move the HCO's
 * generation. So the generated CR is waited for too: gates as asked, and taken.
 */
async function waitForHcoKubeVirt(
  client: KubeClient,
  o: Options,
  result: Result,
  opts: { timeoutMs: number; pollMs: number },
): Promise<void> {
  const name = `kubevirt-${o.name}`;
  const path = `/apis/kubevirt.io/v1/namespaces/${encodeURIComponent(o.namespace)}/kubevirts/${encodeURIComponent(name)}`;
  const object = `KubeVirt ${o.namespace}/${name} (generated by HCO)`;
  try {
    await client.get(path);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      result.warnings.push(
        `${object} not found; only the HyperConverged CR's own readiness was waited for`,
      );
      return;
    }
    throw err;
  }
  const want = o.want.gates;
  await waitUntilTaken(client, path, object, {
    ...opts,
    log: (l) => core.info(l),
    also: (obj) => {
      const list = getAt(obj, KV_GATES);
      const gates = Array.isArray(list) ? list : [];
      const missing = want.enable.filter((n) => !gates.includes(n));
      const extra = want.disable.filter((n) => gates.includes(n));
      return [
        ...(missing.length ? [`featureGates does not list ${missing.join(', ')} yet`] : []),
        ...(extra.length ? [`featureGates still lists ${extra.join(', ')}`] : []),
      ];
    },
  });
}

async function runFiles(o: Options): Promise<Result> {
  const shown = o.pathShown ?? o.path ?? '';
  let out: FileOutcome;
  let object: string;
  if (o.target === 'overlay') {
    object = `overlay ${shown} (KubeVirt ${o.name})`;
    out = await toggleOverlay({ dir: o.path ?? '', shown, name: o.name }, o.want, o.dryRun);
  } else {
    object = `kind config ${shown}`;
    out = toggleKindConfig(o.path ?? '', shown, o.want, o.dryRun);
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
  if (out.restore && o.restore) {
    result.restore = { kind: 'files', files: out.restore };
    core.saveState(STATE_KEY, JSON.stringify(result.restore));
  }
  return result;
}

/** The work of one step, without the runner: unit tests call this directly. */
export async function run(o: Options, env: NodeJS.ProcessEnv = process.env): Promise<Result> {
  if (o.target === 'overlay' || o.target === 'kind-config') return runFiles(o);
  return runLive(o, env);
}

export async function main(inputs = new Inputs()): Promise<void> {
  const opts = readOptions(inputs);
  let result: Result;
  try {
    result = await run(opts);
  } catch (err) {
    if (err instanceof WaitError) await report(err.result, opts, err.message);
    throw err;
  }
  await report(result, opts);
}

/**
 * Post step: put back what the main step changed, but only values that still hold what it
 * set — a value someone changed since is theirs now and is left alone.
 */
export async function post(
  inputs = new Inputs(),
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const raw = core.getState(STATE_KEY);
  if (!raw) return;
  const state = JSON.parse(raw) as RestoreState;
  if (state.kind === 'files') {
    const { restored, skipped } = restoreFiles(state.files);
    await reportRestore({ restored, skipped, object: 'files' });
    return;
  }
  const kubeconfig = inputs.string('kubeconfig') || undefined;
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  let profileKubeconfig: string | undefined;
  if (!kubeconfig) {
    try {
      profileKubeconfig = readOptions(inputs, workspace).kubeconfig;
    } catch {
      profileKubeconfig = undefined;
    }
  }
  const { client, pollMs } = connect(
    { kubeconfig: kubeconfig ?? profileKubeconfig, workspace },
    env,
  );
  try {
    const skipped: string[] = [];
    const outcome = await applyConflictSafe(
      client,
      state.path,
      state.object,
      (obj) => {
        const desired = clone(obj);
        skipped.length = 0;
        for (const p of state.pointers) {
          if (!deepEqual(getAt(obj, p), state.set[p])) skipped.push(p);
          else setAt(desired, p, state.previous[p]);
        }
        return { pointers: state.pointers.filter((p) => !skipped.includes(p)), desired };
      },
      { dryRun: false, log: (l) => core.info(l) },
    );
    let ready: Readiness | undefined;
    if (outcome.written && state.wait) {
      const r = readiness(outcome.after);
      if (r.conditions.length || r.observedGeneration !== undefined) {
        ready = await waitUntilTaken(client, state.path, state.object, {
          timeoutMs: state.timeoutMs,
          pollMs,
          log: (l) => core.info(l),
        });
      }
    }
    await reportRestore({
      restored: outcome.written ? state.pointers.filter((p) => !skipped.includes(p)) : [],
      skipped,
      object: state.object,
      patch: outcome.patch,
      readiness: ready,
    });
  } finally {
    client.close();
  }
}
