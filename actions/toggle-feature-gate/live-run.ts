import { failed, type Outcome } from '../../shared/action/outcome.js';
import type { Log } from '../../shared/action/log.js';
import type { Edit } from './edits.js';
import { ApiError } from './api-error.js';
import type { KubeClient } from './kube-client.js';
import { getAt, snapshot, type JsonObject } from './json-patch.js';
import { applyConflictSafe, waitUntilTaken } from './live.js';
import {
  gatesStillMissing,
  hasOperatorConditions,
  hcoKubeVirt,
  liveSpec,
  type LiveSpec,
} from './live-target.js';
import { base, outcomeOf } from './result.js';
import type { Deps, LiveState, Options, Result, State } from './types.js';

/**
 * A live target: read the object, write the change conflict-safe, wait until the operator has
 * taken it. Loaded only for a live target, with the Kubernetes client after it, so that a
 * step editing files compiles none of this.
 */
export async function runLive(o: Options, deps: Deps): Promise<Outcome<Result, State>> {
  const started = Date.now();
  let spec: LiveSpec;
  let client: KubeClient;
  let secrets: string[];
  try {
    spec = liveSpec(o);
    // The Kubernetes client (HTTP, TLS, the kubeconfig's YAML) loads only for a live target.
    const [{ connect }, { loadConnection }] = await Promise.all([
      import('./connect.js'),
      import('./kubeconfig.js'),
    ]);
    ({ client, secrets } = connect(loadConnection(o.kubeconfig, deps.env, o.workspace), deps));
  } catch (err) {
    return failed(err, { notes: o.notes });
  }
  try {
    let change: LiveChange;
    try {
      change = await applyChange(client, spec, o, deps.log);
    } catch (err) {
      return failed(err, { notes: o.notes, secrets, warnings: serverWarnings(client) });
    }
    const { result, state } = change;
    if (o.wait && !o.dryRun) {
      try {
        await waitUntilDone(client, o, spec, result, { started, after: change.after, deps });
      } catch (err) {
        return outcomeOf(o, withServerWarnings(result, client), { state, secrets }, err);
      }
    }
    return outcomeOf(o, withServerWarnings(result, client), { state, secrets });
  } finally {
    client.close();
  }
}

/** The API server's own warnings (deprecated gates, dropped fields), as the API server put them. */
function serverWarnings(client: KubeClient): string[] {
  return client.warnings.map((w) => `API server: ${w}`);
}

function withServerWarnings(result: Result, client: KubeClient): Result {
  for (const w of serverWarnings(client)) if (!result.warnings.includes(w)) result.warnings.push(w);
  return result;
}

interface LiveChange {
  result: Result;
  /** Set when something was written and restore is on: saved even when the wait fails. */
  state?: LiveState;
  /** The object as the write left it. */
  after: JsonObject;
}

/** Read, plan and write the change conflict-safe (on a dry run: plan only). */
async function applyChange(
  client: KubeClient,
  spec: LiveSpec,
  o: Options,
  log: Log,
): Promise<LiveChange> {
  let edit: Edit | undefined;
  const applied = await applyConflictSafe(
    client,
    spec.path,
    spec.object,
    (obj) => {
      edit = spec.edit(obj);
      return edit;
    },
    { dryRun: o.dryRun, log: (l) => log.info(l) },
  );
  if (!edit) throw new Error('no plan was made');
  const result: Result = {
    ...base(o, spec.object),
    changed: applied.patch.length > 0,
    before: edit.before,
    after: edit.after,
    previous: snapshot(applied.before, edit.pointers),
    patch: applied.patch,
    warnings: [...edit.warnings],
  };
  const gen = getAt(applied.after, '/metadata/generation');
  if (typeof gen === 'number') result.generation = gen;
  const state: LiveState | undefined =
    applied.written && o.restore
      ? {
          kind: 'live',
          target: o.target,
          connection: client.conn.ref,
          path: spec.path,
          object: spec.object,
          previous: result.previous,
          set: snapshot(applied.after, edit.pointers),
          pointers: edit.pointers,
          wait: o.wait,
          timeoutMs: o.timeoutMs,
        }
      : undefined;
  return { result, state, after: applied.after };
}

/** Wait until the operator has taken the change; for HCO, the KubeVirt CR it generates too. */
async function waitUntilDone(
  client: KubeClient,
  o: Options,
  spec: LiveSpec,
  result: Result,
  t: { started: number; after: JsonObject; deps: Deps },
): Promise<void> {
  const { pollMs, log } = t.deps;
  if (!spec.hasStatus && !hasOperatorConditions(t.after)) {
    result.warnings.push(
      `${spec.object} reports no Available/Progressing/Degraded conditions; the change was not waited for`,
    );
    return;
  }
  const note = noteOnce(result);
  const { componentsBehind, cdiConfigBehind } = await import('./taken.js');
  const rv = String(getAt(t.after, '/metadata/resourceVersion') ?? '');
  const also =
    o.target === 'kubevirt'
      ? () => componentsBehind(client, o.namespace, rv, note)
      : o.target === 'cdi'
        ? () => cdiConfigBehind(client, o.want.gates, note)
        : undefined;
  result.readiness = await waitUntilTaken(client, spec.path, spec.object, {
    timeoutMs: o.timeoutMs,
    pollMs,
    log: (l) => log.info(l),
    also,
  });
  result.generation = result.readiness.generation ?? result.generation;
  if (o.target === 'hco') {
    const left = Math.max(pollMs, o.timeoutMs - (Date.now() - t.started));
    await waitForHcoKubeVirt(client, o, result, { timeoutMs: left, pollMs, log, note });
  }
}

/** Adds a warning to the result the first time it is said. */
function noteOnce(result: Result): (warning: string) => void {
  return (w) => {
    if (!result.warnings.includes(w)) result.warnings.push(w);
  };
}

/**
 * HCO's own readiness says it reconciled, not that the KubeVirt CR it generates holds the
 * gates: an annotation edit does not even move the HCO's generation. So the generated CR is
 * waited for too: gates as asked, and taken.
 */
async function waitForHcoKubeVirt(
  client: KubeClient,
  o: Options,
  result: Result,
  opts: { timeoutMs: number; pollMs: number; log: Log; note: (w: string) => void },
): Promise<void> {
  const { path, object } = hcoKubeVirt(o);
  const { componentsBehind } = await import('./taken.js');
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
  await waitUntilTaken(client, path, object, {
    timeoutMs: opts.timeoutMs,
    pollMs: opts.pollMs,
    log: (l) => opts.log.info(l),
    also: async (obj) => {
      const missing = gatesStillMissing(obj, o.want);
      if (missing.length) return missing;
      const rv = String(getAt(obj, '/metadata/resourceVersion') ?? '');
      return componentsBehind(client, o.namespace, rv, opts.note);
    },
  });
}
