import { failed, type Outcome } from '../../shared/action/outcome.js';
import { restoreFiles } from './files.js';
import type { KubeClient } from './kube-client.js';
import { clone, deepEqual, getAt, setAt } from './json-patch.js';
import type { Readiness } from './conditions.js';
import { applyConflictSafe, readiness, waitUntilTaken, type ApplyOutcome } from './live.js';
import { restoreReport } from './report.js';
import type { Deps, LiveState, RestoreResult, State } from './types.js';

/**
 * The post step: put back what the main step changed, but only values that still hold what it
 * set — a value someone changed since is theirs now and is left alone. It reads the saved
 * state and nothing else: the connection is the one the main step resolved.
 */
export async function restore(state: State, deps: Deps): Promise<Outcome> {
  if (state.kind === 'files') {
    const { restored, skipped } = restoreFiles(state.files);
    return { outputs: {}, ...restoreReport({ restored, skipped, object: 'files' }) };
  }
  return restoreLive(state, deps);
}

async function restoreLive(state: LiveState, deps: Deps): Promise<Outcome> {
  let client: KubeClient;
  let secrets: string[];
  try {
    const [{ connect }, { reloadConnection }] = await Promise.all([
      import('./connect.js'),
      import('./kubeconfig.js'),
    ]);
    ({ client, secrets } = connect(reloadConnection(state.connection, deps.env), deps));
  } catch (err) {
    return failed(err);
  }
  try {
    let put: { applied: ApplyOutcome; skipped: string[] };
    try {
      put = await putBack(client, state, deps);
    } catch (err) {
      return failed(err, { secrets });
    }
    const done: RestoreResult = {
      restored: put.applied.written ? state.pointers.filter((p) => !put.skipped.includes(p)) : [],
      skipped: put.skipped,
      object: state.object,
      patch: put.applied.patch,
    };
    const notes: string[] = [];
    const shown = () => {
      const r = restoreReport(done);
      const server = client.warnings.map((w) => `API server: ${w}`);
      return { outputs: {}, ...r, warnings: [...r.warnings, ...notes, ...server], secrets };
    };
    try {
      done.readiness = await waitAgain(client, state, put.applied, deps, notes);
    } catch (err) {
      // Put back but not (yet) taken: say what was put back, then fail on the wait.
      return failed(err, shown());
    }
    return shown();
  } finally {
    client.close();
  }
}

async function putBack(
  client: KubeClient,
  state: LiveState,
  deps: Deps,
): Promise<{ applied: ApplyOutcome; skipped: string[] }> {
  const skipped: string[] = [];
  const applied = await applyConflictSafe(
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
    { dryRun: false, log: (l) => deps.log.info(l) },
  );
  return { applied, skipped };
}

/** Wait as the main step did, for an object whose operator reports how far it got. */
async function waitAgain(
  client: KubeClient,
  state: LiveState,
  applied: ApplyOutcome,
  deps: Deps,
  notes: string[],
): Promise<Readiness | undefined> {
  if (!applied.written || !state.wait) return undefined;
  const r = readiness(applied.after);
  if (!r.conditions.length && r.observedGeneration === undefined) return undefined;
  const ns = getAt(applied.after, '/metadata/namespace');
  const rv = String(getAt(applied.after, '/metadata/resourceVersion') ?? '');
  const { componentsBehind } = await import('./taken.js');
  const note = (w: string) => void (notes.includes(w) || notes.push(w));
  return waitUntilTaken(client, state.path, state.object, {
    timeoutMs: state.timeoutMs,
    pollMs: deps.pollMs,
    log: (l) => deps.log.info(l),
    also:
      state.target === 'kubevirt' && typeof ns === 'string'
        ? () => componentsBehind(client, ns, rv, note)
        : undefined,
  });
}
