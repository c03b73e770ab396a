import { UserError } from '../../shared/errors.js';
import { formatDurationSetting } from '../../shared/format.js';
import { sleep } from '../../shared/retry.js';
import { ApiError } from './api-error.js';
import { formatConditions, type Condition, type Readiness } from './conditions.js';
import type { KubeClient } from './kube-client.js';
import { deepEqual, diffAt, getAt, isObject, type JsonObject, type PatchOp } from './json-patch.js';

/**
 * Read, change only what differs, write conflict-safe, retry on conflict. The patch starts
 * with a `test` of metadata.generation (it moves on every spec change but not on status
 * updates, so an operator writing status does not cause false conflicts) and tests every
 * value it replaces; a concurrent edit makes the server refuse the whole patch (409/422) and
 * the change is planned again from a fresh read.
 */
export const MAX_CONFLICTS = 5;

/** What a change sets: the pointers it owns and the object as it should be there. */
export interface ChangePlan {
  pointers: string[];
  desired: JsonObject;
}

export interface ApplyOutcome {
  /** The object as read for the plan that was used. */
  before: JsonObject;
  /** The object after the write (the read object when nothing was written). */
  after: JsonObject;
  /** The patch sent, or that would be sent on a dry run; empty when nothing differs. */
  patch: PatchOp[];
  written: boolean;
  conflicts: number;
}

/** kube-apiserver's RBAC denial (k8s.io/apiserver forbiddenMessage), taken apart. */
const FORBIDDEN =
  /User "([^"]*)" cannot (\S+) resource "([^"]+)" in API group "([^"]*)" (?:in the namespace "([^"]+)"|at the cluster scope)/;

/** /apis/<group>/<version>/... or /api/v1/...: the group resource a path is for. */
function resourceOfPath(path: string): { resource: string; groupVersion: string } | undefined {
  const m =
    /^\/apis\/([^/]+)\/([^/]+)\/(?:namespaces\/[^/]+\/)?([^/?]+)/.exec(path) ??
    /^\/api\/(v1)\/(?:namespaces\/[^/]+\/)?([^/?]+)/.exec(path);
  if (!m) return undefined;
  return m.length === 4 && path.startsWith('/apis/')
    ? { resource: `${m[3]}.${m[1]}`, groupVersion: `${m[1]}/${m[2]}` }
    : { resource: m[2], groupVersion: 'v1' };
}

/**
 * One line for a refusal, naming what the API server named: RBAC's verb, resource, namespace
 * and user (403); a resource the server does not serve at all (404 without a Status: its CRD
 * is not installed); a missing object; the field causes of a 422.
 */
export function describeApiError(err: ApiError, display: string): string {
  const body = err.body;
  const msg = body?.message ?? `HTTP ${err.status}`;
  if (err.status === 404 && !body) {
    const r = resourceOfPath(err.path);
    const what = r
      ? `the API server does not serve ${r.resource} (${r.groupVersion}): its CustomResourceDefinition is not installed, or not at this version`
      : 'the API server does not serve this path';
    return `${display}: ${what} (${err.method} ${err.path}: the server could not find the requested resource)`;
  }
  if (err.status === 404) return `${display} not found (${err.path}): ${msg}`;
  if (err.status === 401) {
    return `${display}: the API server refused the credentials (HTTP 401): ${msg}`;
  }
  if (err.status === 403) {
    const m = FORBIDDEN.exec(msg);
    if (m) {
      const [, user, verb, resource, group, ns] = m;
      const where = ns ? `in namespace ${ns}` : 'at the cluster scope';
      return `${display}: RBAC forbids user "${user}" to ${verb} ${resource}${group ? ` (API group ${group})` : ''} ${where} (HTTP 403); grant it with a Role or ClusterRole: ${msg}`;
    }
    return `${display}: forbidden (HTTP 403): ${msg}`;
  }
  const causes = (body?.details?.causes ?? [])
    .map((c) => c.message ?? '')
    .filter((c) => c && !msg.includes(c));
  const why = causes.length ? `${msg}: ${causes.join('; ')}` : msg;
  return `${display}: ${err.method} ${err.path} failed with HTTP ${err.status}: ${why}`;
}

async function read(client: KubeClient, path: string, display: string): Promise<JsonObject> {
  try {
    return await client.get(path);
  } catch (err) {
    if (err instanceof ApiError) throw new UserError(describeApiError(err, display));
    throw err;
  }
}

function guardOps(obj: JsonObject): PatchOp[] {
  const gen = getAt(obj, '/metadata/generation');
  if (typeof gen === 'number') return [{ op: 'test', path: '/metadata/generation', value: gen }];
  const rv = getAt(obj, '/metadata/resourceVersion');
  return typeof rv === 'string'
    ? [{ op: 'test', path: '/metadata/resourceVersion', value: rv }]
    : [];
}

export async function applyConflictSafe(
  client: KubeClient,
  path: string,
  display: string,
  plan: (obj: JsonObject) => ChangePlan,
  opts: { dryRun: boolean; log: (line: string) => void },
): Promise<ApplyOutcome> {
  for (let conflicts = 0; ; conflicts++) {
    const obj = await read(client, path, display);
    const p = plan(obj);
    const changes = diffAt(obj, p.desired, p.pointers);
    if (changes.length === 0) {
      return { before: obj, after: obj, patch: [], written: false, conflicts };
    }
    const patch = [...guardOps(obj), ...changes];
    if (opts.dryRun) return { before: obj, after: obj, patch, written: false, conflicts };
    try {
      const after = await client.jsonPatch(path, patch);
      return { before: obj, after, patch, written: true, conflicts };
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.status !== 409 && err.status !== 422) {
        throw new UserError(describeApiError(err, display));
      }
      if (err.status === 422) {
        // 422 is both "a test op failed" and "the new value is invalid": only a moved value
        // means someone else got there first.
        const fresh = await read(client, path, display);
        const stillSame = patch
          .filter((op) => op.op === 'test')
          .every((op) => deepEqual(getAt(fresh, op.path), op.value));
        if (stillSame) throw new UserError(describeApiError(err, display));
      }
      if (conflicts + 1 >= MAX_CONFLICTS) {
        throw new UserError(
          `${display}: still conflicting with concurrent edits after ${MAX_CONFLICTS} attempts; nothing was changed`,
        );
      }
      opts.log(`${display} changed while being updated (HTTP ${err.status}); reading it again`);
    }
  }
}

/**
 * What "taken" means for a kind of object, as its own project decides it:
 * - KubeVirt (its test suite, tests/libkubevirt/config and testsuite.EnsureKubevirtReady):
 *   Created=True, Available=True, Progressing=False, Degraded=False and
 *   status.observedGeneration equal to metadata.generation;
 * - CDI reports no observedGeneration (its CDIStatus has phase, conditions and versions
 *   only): phase Deployed and the same three conditions;
 * - HyperConverged and other operators: the three conditions and observedGeneration, or the
 *   conditions' own observedGeneration where the resource reports only those.
 */
export interface ReadinessRules {
  want: Record<string, string>;
  /** Must an observedGeneration be reported (and reach the generation)? */
  generation: boolean;
  phase?: string;
}

const TRIO: Record<string, string> = { Available: 'True', Progressing: 'False', Degraded: 'False' };

export function rulesFor(path: string): ReadinessRules {
  if (/^\/apis\/kubevirt\.io\/[^/]+\/namespaces\/[^/]+\/kubevirts\//.test(path)) {
    return { want: { Created: 'True', ...TRIO }, generation: true };
  }
  if (/^\/apis\/cdi\.kubevirt\.io\/[^/]+\/cdis\//.test(path)) {
    return { want: TRIO, generation: false, phase: 'Deployed' };
  }
  return { want: TRIO, generation: true };
}

function observedOf(status: unknown, rawConds: unknown[], want: Record<string, string>) {
  const observed = isObject(status) ? status.observedGeneration : undefined;
  if (typeof observed === 'number') return observed;
  const perCondition = rawConds
    .filter(isObject)
    .filter((c) => typeof c.type === 'string' && c.type in want)
    .map((c) => c.observedGeneration);
  return perCondition.length && perCondition.every((g) => typeof g === 'number')
    ? Math.min(...(perCondition as number[]))
    : undefined;
}

/**
 * Available alone is not enough: an operator still rolling out the change keeps
 * Available=True while Progressing=True.
 */
export function readiness(obj: JsonObject, rules: ReadinessRules = rulesFor('')): Readiness {
  const generation = getAt(obj, '/metadata/generation');
  const status = getAt(obj, '/status');
  const rawConds = isObject(status) && Array.isArray(status.conditions) ? status.conditions : [];
  const conditions: Condition[] = rawConds.filter(isObject).map((c) => ({
    type: String(c.type ?? ''),
    status: String(c.status ?? ''),
    reason: typeof c.reason === 'string' ? c.reason : undefined,
    message: typeof c.message === 'string' ? c.message : undefined,
  }));
  const observed = rules.generation ? observedOf(status, rawConds, rules.want) : undefined;
  const reasons: string[] = [];
  if (rules.generation && typeof generation === 'number') {
    if (typeof observed !== 'number') reasons.push('no observedGeneration reported');
    else if (observed < generation) {
      reasons.push(`observedGeneration ${observed} < generation ${generation}`);
    }
  }
  const phase = isObject(status) ? status.phase : undefined;
  if (rules.phase && phase !== rules.phase) {
    reasons.push(`phase ${typeof phase === 'string' ? phase : 'not reported'}, not ${rules.phase}`);
  }
  for (const [type, want] of Object.entries(rules.want)) {
    const c = conditions.find((x) => x.type === type);
    if (!c) reasons.push(`${type} not reported`);
    else if (c.status !== want)
      reasons.push(`${type}=${c.status}${c.reason ? ` (${c.reason})` : ''}`);
  }
  return {
    ready: reasons.length === 0,
    generation: typeof generation === 'number' ? generation : undefined,
    observedGeneration: typeof observed === 'number' ? observed : undefined,
    conditions,
    reasons,
  };
}

export async function waitUntilTaken(
  client: KubeClient,
  path: string,
  display: string,
  opts: {
    timeoutMs: number;
    pollMs: number;
    log: (line: string) => void;
    /**
     * More reasons to keep waiting, asked once the object itself is ready: "the generated CR
     * does not list the gate yet", "virt-handler runs an older configuration".
     */
    also?: (obj: JsonObject) => string[] | Promise<string[]>;
  },
): Promise<Readiness> {
  const deadline = Date.now() + opts.timeoutMs;
  const rules = rulesFor(path);
  let last: Readiness | undefined;
  let lastLine = '';
  for (;;) {
    const obj = await read(client, path, display);
    const r = readiness(obj, rules);
    if (opts.also && r.reasons.length === 0) r.reasons.push(...(await opts.also(obj)));
    r.ready = r.reasons.length === 0;
    if (r.ready) return r;
    const line = r.reasons.join('; ');
    if (line !== lastLine) opts.log(`waiting for ${display}: ${line}`);
    lastLine = line;
    last = r;
    if (Date.now() + opts.pollMs > deadline) break;
    await sleep(opts.pollMs);
  }
  throw new UserError(
    `${display} did not take the change within ${formatDurationSetting(opts.timeoutMs)}: ${last.reasons.join('; ')}; conditions seen: ${formatConditions(last)}`,
  );
}
