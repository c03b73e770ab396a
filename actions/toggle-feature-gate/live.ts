import { UserError } from '../../shared/errors.js';
import { formatDurationSetting } from '../../shared/format.js';
import { sleep } from '../../shared/retry.js';
import { ApiError } from './api-error.js';
import type { KubeClient } from './kube-client.js';
import {
  deepEqual,
  diffAt,
  getAt,
  isObject,
  type Json,
  type JsonObject,
  type PatchOp,
} from './json-patch.js';

/**
 * Read, change only what differs, write conflict-safe, retry on conflict. The patch starts
 * with a `test` of metadata.generation (it moves on every spec change but not on status
 * updates, so an operator writing status does not cause false conflicts) and tests every
 * value it replaces; a concurrent edit makes the server refuse the whole patch (409/422) and
 * the change is planned again from a fresh read.
 */
export const MAX_CONFLICTS = 5;

/** pointer → value before (absent pointers are left out). */
export type Snapshot = Record<string, Json>;

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

export function describeApiError(err: ApiError, display: string): string {
  const msg = err.body?.message ?? `HTTP ${err.status}`;
  if (err.status === 404) return `${display} not found (${err.path}): ${msg}`;
  if (err.status === 401 || err.status === 403) {
    return `${display}: the API server refused the credentials (HTTP ${err.status}): ${msg}`;
  }
  return `${display}: ${err.method} ${err.path} failed with HTTP ${err.status}: ${msg}`;
}

async function read(client: KubeClient, path: string, display: string): Promise<JsonObject> {
  try {
    return await client.get(path);
  } catch (err) {
    if (err instanceof ApiError) throw new UserError(describeApiError(err, display));
    throw err;
  }
}

export function snapshot(obj: JsonObject, pointers: string[]): Snapshot {
  const out: Snapshot = {};
  for (const p of pointers) {
    const v = getAt(obj, p);
    if (v !== undefined) out[p] = v;
  }
  return out;
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

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface Readiness {
  ready: boolean;
  generation?: number;
  observedGeneration?: number;
  conditions: Condition[];
  /** Why it is not ready, or notes on what could not be checked. */
  reasons: string[];
}

const WANT: Record<string, string> = { Available: 'True', Progressing: 'False', Degraded: 'False' };

/**
 * "Taken" means the operator has seen this generation (status.observedGeneration, or the
 * conditions' own observedGeneration where the resource reports only those) and says
 * Available=True, Progressing=False, Degraded=False. Available alone is not enough: an
 * operator still rolling out the change keeps Available=True while Progressing=True.
 */
export function readiness(obj: JsonObject): Readiness {
  const generation = getAt(obj, '/metadata/generation');
  const status = getAt(obj, '/status');
  const rawConds = isObject(status) && Array.isArray(status.conditions) ? status.conditions : [];
  const conditions: Condition[] = rawConds.filter(isObject).map((c) => ({
    type: String(c.type ?? ''),
    status: String(c.status ?? ''),
    reason: typeof c.reason === 'string' ? c.reason : undefined,
    message: typeof c.message === 'string' ? c.message : undefined,
  }));
  let observed = isObject(status) ? status.observedGeneration : undefined;
  if (typeof observed !== 'number') {
    const perCondition = rawConds
      .filter(isObject)
      .filter((c) => typeof c.type === 'string' && c.type in WANT)
      .map((c) => c.observedGeneration);
    observed =
      perCondition.length && perCondition.every((g) => typeof g === 'number')
        ? Math.min(...(perCondition as number[]))
        : undefined;
  }
  const reasons: string[] = [];
  if (typeof generation === 'number' && typeof observed === 'number' && observed < generation) {
    reasons.push(`observedGeneration ${observed} < generation ${generation}`);
  }
  if (typeof generation === 'number' && typeof observed !== 'number') {
    reasons.push('no observedGeneration reported');
  }
  for (const [type, want] of Object.entries(WANT)) {
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

export function formatConditions(r: Readiness): string {
  if (r.conditions.length === 0) return 'no conditions';
  return r.conditions
    .filter((c) => c.type)
    .map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}`)
    .join(', ');
}

export async function waitUntilTaken(
  client: KubeClient,
  path: string,
  display: string,
  opts: {
    timeoutMs: number;
    pollMs: number;
    log: (line: string) => void;
    /** More reasons to keep waiting, e.g. "the generated CR does not list the gate yet". */
    also?: (obj: JsonObject) => string[];
  },
): Promise<Readiness> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: Readiness | undefined;
  let lastLine = '';
  for (;;) {
    const obj = await read(client, path, display);
    const r = readiness(obj);
    if (opts.also) r.reasons.unshift(...opts.also(obj));
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
