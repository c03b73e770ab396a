/**
 * JSON pointers (RFC 6901) and the JSON patches (RFC 6902) this action sends. A change is
 * described as "these pointers should now hold these values"; the patch tests every value it
 * replaces or removes, so a concurrent edit of the same fields makes the server refuse it
 * instead of one writer silently winning.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface PatchOp {
  op: 'add' | 'remove' | 'replace' | 'test';
  path: string;
  value?: Json;
}

export function escapeToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`JSON pointer ${pointer} must start with "/"`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function pointer(tokens: readonly string[]): string {
  return tokens.map((t) => '/' + escapeToken(t)).join('');
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value at `ptr`, or undefined when any step is missing. */
export function getAt(doc: Json | undefined, ptr: string): Json | undefined {
  let cur: Json | undefined = doc;
  for (const t of parsePointer(ptr)) {
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9]\d*)$/.test(t)) return undefined;
      cur = cur[Number(t)];
    } else if (isObject(cur)) {
      cur = Object.prototype.hasOwnProperty.call(cur, t) ? cur[t] : undefined;
    } else return undefined;
  }
  return cur;
}

/** Set (creating objects on the way) or, with `undefined`, remove the value at `ptr`. */
export function setAt(doc: JsonObject, ptr: string, value: Json | undefined): void {
  const tokens = parsePointer(ptr);
  let cur: Json = doc;
  for (const t of tokens.slice(0, -1)) {
    if (!isObject(cur)) throw new Error(`cannot set ${ptr}: ${t} is not inside an object`);
    if (!isObject(cur[t])) {
      if (value === undefined) return;
      cur[t] = {};
    }
    cur = cur[t];
  }
  if (!isObject(cur)) throw new Error(`cannot set ${ptr}: its parent is not an object`);
  const last = tokens[tokens.length - 1];
  if (value === undefined) delete cur[last];
  else cur[last] = value;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((x, i) => deepEqual(x, b[i]))
    );
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/** pointer → value before (absent pointers are left out). */
export type Snapshot = Record<string, Json>;

/** The values at the pointers, leaving out those the object does not have. */
export function snapshot(obj: JsonObject, pointers: string[]): Snapshot {
  const out: Snapshot = {};
  for (const p of pointers) {
    const v = getAt(obj, p);
    if (v !== undefined) out[p] = v;
  }
  return out;
}

export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/**
 * The operations that turn `current` into `desired` at the given pointers. A missing parent is
 * created by adding the first missing ancestor whole (JSON patch `add` needs the parent).
 */
export function diffAt(current: JsonObject, desired: JsonObject, pointers: string[]): PatchOp[] {
  const ops: PatchOp[] = [];
  const added: string[] = [];
  for (const ptr of pointers) {
    if (added.some((a) => ptr === a || ptr.startsWith(a + '/'))) continue;
    const before = getAt(current, ptr);
    const after = getAt(desired, ptr);
    if (deepEqual(before, after)) continue;
    if (after === undefined) {
      ops.push({ op: 'test', path: ptr, value: before as Json });
      ops.push({ op: 'remove', path: ptr });
    } else if (before === undefined) {
      const tokens = parsePointer(ptr);
      let depth = 1;
      while (depth < tokens.length && getAt(current, pointer(tokens.slice(0, depth))) !== undefined)
        depth++;
      const at = pointer(tokens.slice(0, depth));
      ops.push({ op: 'add', path: at, value: clone(getAt(desired, at)) as Json });
      added.push(at);
    } else {
      ops.push({ op: 'test', path: ptr, value: before });
      ops.push({ op: 'replace', path: ptr, value: clone(after) });
    }
  }
  return ops;
}
