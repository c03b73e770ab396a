import { UserError, quote } from '../../shared/errors.js';
import { GATE_TARGETS, type GateTarget } from '../../shared/profile.js';
import type { FileVersion } from './files.js';
import type { Json, Snapshot } from './json-patch.js';
import type { ConnectionRef } from './kubeconfig.js';
import type { FilesState, LiveState, State } from './types.js';

/**
 * The post step's check of what the main step saved (the runner hands it back as text that
 * anything in the job could have touched): every field is checked before it is used, and a
 * wrong one is named. Bump the version in action.ts when the saved shape changes.
 */
export const STATE_VERSION = 1;

type Dict = Record<string, unknown>;

function wrong(field: string, what: string, value: unknown): never {
  const is = value === undefined ? 'missing' : `${quote(value)}, not ${what}`;
  throw new UserError(
    `toggle-feature-gate (post): the saved state's ${field} is ${is}${value === undefined ? ` (expected ${what})` : ''}`,
  );
}

function dict(value: unknown, field: string): Dict {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return wrong(field, 'an object', value);
  }
  return value as Dict;
}

function str(d: Dict, key: string, field: string): string {
  const v = d[key];
  return typeof v === 'string' && v !== '' ? v : wrong(`${field}.${key}`, 'a string', v);
}

function strOrNull(d: Dict, key: string, field: string): string | null {
  const v = d[key];
  return v === null || typeof v === 'string' ? v : wrong(`${field}.${key}`, 'a string or null', v);
}

function bool(d: Dict, key: string, field: string): boolean {
  const v = d[key];
  return typeof v === 'boolean' ? v : wrong(`${field}.${key}`, 'true or false', v);
}

function positive(d: Dict, key: string, field: string): number {
  const v = d[key];
  return typeof v === 'number' && Number.isFinite(v) && v > 0
    ? v
    : wrong(`${field}.${key}`, 'a positive number', v);
}

function list<T>(d: Dict, key: string, field: string, item: (v: unknown, at: string) => T): T[] {
  const v = d[key];
  if (!Array.isArray(v)) return wrong(`${field}.${key}`, 'a list', v);
  return v.map((x, i) => item(x, `${field}.${key}[${i}]`));
}

function apiPath(v: unknown, at: string): string {
  return typeof v === 'string' && /^\/(api|apis)\/[^?#\s]+$/.test(v)
    ? v
    : wrong(at, 'an API path', v);
}

function pointer(v: unknown, at: string): string {
  return typeof v === 'string' && /^(\/[^/]*)+$/.test(v) ? v : wrong(at, 'a JSON pointer', v);
}

/** pointer → value; the values are JSON already (the state is JSON), only the keys matter. */
function snapshot(d: Dict, key: string, field: string): Snapshot {
  const s = dict(d[key], `${field}.${key}`);
  for (const p of Object.keys(s)) pointer(p, `${field}.${key} key`);
  return s as Record<string, Json>;
}

function target(d: Dict, field: string): GateTarget {
  const v = d.target;
  return (GATE_TARGETS as readonly unknown[]).includes(v)
    ? (v as GateTarget)
    : wrong(`${field}.target`, `one of ${GATE_TARGETS.join(' | ')}`, v);
}

function connection(d: Dict, field: string): ConnectionRef {
  const at = `${field}.connection`;
  const c = dict(d.connection, at);
  if (c.kind === 'in-cluster') return { kind: 'in-cluster' };
  if (c.kind !== 'kubeconfig') return wrong(`${at}.kind`, 'kubeconfig or in-cluster', c.kind);
  const ref = {
    kind: 'kubeconfig' as const,
    file: str(c, 'file', at),
    context: str(c, 'context', at),
  };
  if (c.files === undefined) return ref;
  const ok =
    Array.isArray(c.files) && c.files.length > 0 && c.files.every((f) => typeof f === 'string');
  return ok
    ? { ...ref, files: c.files as string[] }
    : wrong(`${at}.files`, 'a list of file paths', c.files);
}

function fileVersion(v: unknown, at: string): FileVersion {
  const d = dict(v, at);
  return { file: str(d, 'file', at), content: strOrNull(d, 'content', at) };
}

function liveState(d: Dict, field: string): LiveState {
  return {
    kind: 'live',
    target: target(d, field),
    connection: connection(d, field),
    path: apiPath(d.path, `${field}.path`),
    object: str(d, 'object', field),
    previous: snapshot(d, 'previous', field),
    set: snapshot(d, 'set', field),
    pointers: list(d, 'pointers', field, pointer),
    wait: bool(d, 'wait', field),
    timeoutMs: positive(d, 'timeoutMs', field),
  };
}

function filesState(d: Dict, field: string): FilesState {
  const at = `${field}.files`;
  const files = dict(d.files, at);
  return {
    kind: 'files',
    target: target(d, field),
    files: {
      before: list(files, 'before', at, fileVersion),
      written: list(files, 'written', at, fileVersion),
    },
  };
}

export function parseState(data: unknown): State {
  const d = dict(data, 'data');
  if (d.kind === 'live') return liveState(d, 'data');
  if (d.kind === 'files') return filesState(d, 'data');
  return wrong('data.kind', 'live or files', d.kind);
}
