/**
 * RFC 6902 JSON patch and RFC 7386 merge patch, written for the test API server on their own
 * (not shared with the action), so the action's patches are checked by an independent reading
 * of the RFCs: array indices, "-", test by deep equality, add on a missing parent fails.
 */
type J = unknown;

export class PatchError extends Error {
  constructor(
    message: string,
    readonly testFailed = false,
  ) {
    super(message);
  }
}

function tokens(ptr: string): string[] {
  if (ptr === '') return [];
  if (!ptr.startsWith('/')) throw new PatchError(`invalid pointer ${ptr}`);
  return ptr
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function isObj(v: J): v is Record<string, J> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function equal(a: J, b: J): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v: J): J {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isObj(v))
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys(v[k])]),
    );
  return v;
}

function parentOf(doc: J, ptr: string): { parent: J; key: string } {
  const t = tokens(ptr);
  if (t.length === 0) throw new PatchError('the root cannot be patched here');
  let cur = doc;
  for (const k of t.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(k)];
    else if (isObj(cur) && k in cur) cur = cur[k];
    else throw new PatchError(`doc is missing path: ${ptr}`);
    if (cur === undefined) throw new PatchError(`doc is missing path: ${ptr}`);
  }
  return { parent: cur, key: t[t.length - 1] };
}

function get(doc: J, ptr: string): J {
  let cur = doc;
  for (const k of tokens(ptr)) {
    if (Array.isArray(cur) && /^\d+$/.test(k) && Number(k) < cur.length) cur = cur[Number(k)];
    else if (isObj(cur) && k in cur) cur = cur[k];
    else throw new PatchError(`doc is missing path: ${ptr}`);
  }
  return cur;
}

function index(arr: J[], key: string, forAdd: boolean): number {
  if (forAdd && key === '-') return arr.length;
  if (!/^(0|[1-9]\d*)$/.test(key)) throw new PatchError(`invalid array index ${key}`);
  const i = Number(key);
  if (i > arr.length || (!forAdd && i === arr.length))
    throw new PatchError(`array index ${i} out of bounds`);
  return i;
}

function add(doc: J, ptr: string, value: J): void {
  const { parent, key } = parentOf(doc, ptr);
  if (Array.isArray(parent)) parent.splice(index(parent, key, true), 0, value);
  else if (isObj(parent)) parent[key] = value;
  else throw new PatchError(`cannot add at ${ptr}: parent is not a container`);
}

function remove(doc: J, ptr: string): J {
  const { parent, key } = parentOf(doc, ptr);
  if (Array.isArray(parent)) return parent.splice(index(parent, key, false), 1)[0];
  if (isObj(parent) && key in parent) {
    const v = parent[key];
    delete parent[key];
    return v;
  }
  throw new PatchError(`unable to remove nonexistent key: ${key}: missing value`);
}

export interface Op {
  op: string;
  path: string;
  from?: string;
  value?: J;
}

export function applyJsonPatch(doc: J, ops: Op[]): J {
  const out = structuredClone(doc);
  for (const o of ops) {
    const value = structuredClone(o.value);
    switch (o.op) {
      case 'add':
        add(out, o.path, value);
        break;
      case 'remove':
        remove(out, o.path);
        break;
      case 'replace':
        remove(out, o.path);
        add(out, o.path, value);
        break;
      case 'test':
        if (!equal(get(out, o.path), o.value))
          throw new PatchError(`testing value ${o.path} failed: test failed`, true);
        break;
      case 'move':
        add(out, o.path, remove(out, o.from ?? ''));
        break;
      case 'copy':
        add(out, o.path, structuredClone(get(out, o.from ?? '')));
        break;
      default:
        throw new PatchError(`Unexpected kind: ${o.op}`);
    }
  }
  return out;
}

export function applyMergePatch(target: J, patch: J): J {
  if (!isObj(patch)) return structuredClone(patch);
  const out: Record<string, J> = isObj(target) ? structuredClone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

export { equal as jsonEqual };
