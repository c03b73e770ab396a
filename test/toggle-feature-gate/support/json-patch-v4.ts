/**
 * JSON patch as kube-apiserver applies it: with evanphx/json-patch v4 (gopkg.in/evanphx/
 * json-patch.v4, the version k8s.io/apiserver's patch handler uses), whose rules differ from
 * RFC 6902 in ways a client meets. Written for the test API server on its own (not shared with
 * the action) and checked against the cases recorded in
 * test/fixtures/toggle-feature-gate/json-patch-v4-cases.json. The rules, from the library's
 * patch.go:
 * - a missing key and a key holding null are the same thing: `test` with value null (or no
 *   value) passes on either, but the parent must exist;
 * - `replace` of a missing object key sets it, like `add` (only array indices are checked);
 * - `remove` of a missing key fails; a missing or null parent fails every operation;
 * - array indices may be negative (counted from the end), `-` appends on `add` only;
 * - messages are the library's own ("testing value /x failed: test failed", ...).
 * Merge patch (RFC 7386) is here too, for the merge-patch media type.
 */
type J = unknown;

export const ErrTestFailed = 'test failed';
export const ErrMissing = 'missing value';
export const ErrInvalidIndex = 'invalid index referenced';

export class PatchError extends Error {}

function isObj(v: J): v is Record<string, J> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sortKeys(v: J): J {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isObj(v)) {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys(v[k])]),
    );
  }
  return v;
}

export function jsonEqual(a: J, b: J): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function decodeKey(k: string): string {
  return k.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** findObject: the container holding the last token, or undefined (missing or null parent). */
function findObject(doc: J, path: string): { con: J; key: string } | undefined {
  const split = path.split('/');
  if (split.length < 2) return undefined;
  let cur = doc;
  for (const part of split.slice(1, -1)) {
    let next: J;
    try {
      next = getIn(cur, decodeKey(part));
    } catch {
      return undefined;
    }
    if (next === undefined || next === null || typeof next !== 'object') return undefined;
    cur = next;
  }
  return { con: cur, key: decodeKey(split[split.length - 1]) };
}

/** Go's strconv.Atoi, as the library parses array keys. */
function atoi(key: string): number {
  if (!/^[+-]?\d+$/.test(key)) {
    throw new PatchError(`strconv.Atoi: parsing ${JSON.stringify(key)}: invalid syntax`);
  }
  return Number(key);
}

function invalidIndex(idx: number): PatchError {
  return new PatchError(`Unable to access invalid index: ${idx}: ${ErrInvalidIndex}`);
}

/** partialDoc.get / partialArray.get: a missing object key is no error (undefined). */
function getIn(con: J, key: string): J {
  if (Array.isArray(con)) {
    let idx = atoi(key);
    if (idx < 0) {
      if (idx < -con.length) throw invalidIndex(idx);
      idx += con.length;
    }
    if (idx >= con.length) throw invalidIndex(idx);
    return con[idx];
  }
  return isObj(con) ? con[key] : undefined;
}

function addIn(con: J, key: string, val: J): void {
  if (Array.isArray(con)) {
    if (key === '-') {
      con.push(val);
      return;
    }
    let idx: number;
    try {
      idx = atoi(key);
    } catch (err) {
      throw new PatchError(`value was not a proper array index: '${key}': ${String(err)}`);
    }
    const size = con.length + 1;
    if (idx >= size) throw invalidIndex(idx);
    if (idx < 0) {
      if (idx < -size) throw invalidIndex(idx);
      idx += size;
    }
    con.splice(idx, 0, val);
    return;
  }
  if (isObj(con)) con[key] = val;
}

function removeIn(con: J, key: string): void {
  if (Array.isArray(con)) {
    let idx = atoi(key);
    if (idx >= con.length) throw invalidIndex(idx);
    if (idx < 0) {
      if (idx < -con.length) throw invalidIndex(idx);
      idx += con.length;
    }
    con.splice(idx, 1);
    return;
  }
  if (isObj(con)) {
    if (!(key in con))
      throw new PatchError(`Unable to remove nonexistent key: ${key}: ${ErrMissing}`);
    delete con[key];
  }
}

function setIn(con: J, key: string, val: J): void {
  if (Array.isArray(con)) {
    let idx = atoi(key);
    if (idx < 0) idx += con.length;
    con[idx] = val;
  } else if (isObj(con)) con[key] = val;
}

export interface Op {
  op?: string;
  path?: string;
  from?: string;
  value?: J;
}

/** The value the library sees: absent and null alike are "no value" where it checks raw nil. */
function valueOf(o: Op): J {
  return 'value' in o ? structuredClone(o.value) : undefined;
}

function pathOf(o: Op, what: string): string {
  if (typeof o.path !== 'string') {
    throw new PatchError(`${what} operation failed to decode path: ${ErrMissing}`);
  }
  return o.path;
}

function test(doc: J, o: Op): void {
  const path = pathOf(o, 'test');
  const want = 'value' in o ? o.value : undefined;
  if (path === '') {
    if (jsonEqual(doc, want)) return;
    throw new PatchError(`testing value ${path} failed: ${ErrTestFailed}`);
  }
  const found = findObject(doc, path);
  if (!found) {
    throw new PatchError(`test operation does not apply: is missing path: ${path}: ${ErrMissing}`);
  }
  let val: J;
  try {
    val = getIn(found.con, found.key);
  } catch (err) {
    throw new PatchError(`error in test for path: '${path}': ${(err as Error).message}`);
  }
  if (val === undefined || val === null) {
    if (want === undefined || want === null) return;
    throw new PatchError(`testing value ${path} failed: ${ErrTestFailed}`);
  }
  if (want === undefined || !jsonEqual(val, want)) {
    throw new PatchError(`testing value ${path} failed: ${ErrTestFailed}`);
  }
}

function wrap(err: unknown, prefix: string): never {
  throw new PatchError(`${prefix}${(err as Error).message}`);
}

// One switch over the six operations, each as the library does it; splitting it would
// scatter the rules this file exists to keep in one place.
function applyOne(doc: J, o: Op): void {
  switch (o.op) {
    case 'add': {
      const path = pathOf(o, 'add');
      const f = findObject(doc, path);
      if (!f) {
        throw new PatchError(
          `add operation does not apply: doc is missing path: "${path}": ${ErrMissing}`,
        );
      }
      try {
        addIn(f.con, f.key, valueOf(o) ?? null);
      } catch (err) {
        wrap(err, `error in add for path: '${path}': `);
      }
      return;
    }
    case 'remove': {
      const path = pathOf(o, 'remove');
      const f = findObject(doc, path);
      if (!f) {
        throw new PatchError(
          `remove operation does not apply: doc is missing path: "${path}": ${ErrMissing}`,
        );
      }
      try {
        removeIn(f.con, f.key);
      } catch (err) {
        wrap(err, `error in remove for path: '${path}': `);
      }
      return;
    }
    case 'replace': {
      const path = pathOf(o, 'replace');
      const f = findObject(doc, path);
      if (!f) {
        throw new PatchError(
          `replace operation does not apply: doc is missing path: ${path}: ${ErrMissing}`,
        );
      }
      try {
        getIn(f.con, f.key);
      } catch {
        throw new PatchError(
          `replace operation does not apply: doc is missing key: ${path}: ${ErrMissing}`,
        );
      }
      setIn(f.con, f.key, valueOf(o) ?? null);
      return;
    }
    case 'move':
    case 'copy': {
      const from = o.from ?? '';
      const f = findObject(doc, from);
      if (!f) {
        throw new PatchError(
          `${o.op} operation does not apply: doc is missing from path: ${from}: ${ErrMissing}`,
        );
      }
      let val: J;
      try {
        val = structuredClone(getIn(f.con, f.key));
        if (o.op === 'move') removeIn(f.con, f.key);
      } catch (err) {
        wrap(err, `error in ${o.op} for path: '${f.key}': `);
      }
      const path = pathOf(o, o.op);
      const t = findObject(doc, path);
      if (!t) {
        throw new PatchError(
          `${o.op} operation does not apply: doc is missing destination path: ${path}: ${ErrMissing}`,
        );
      }
      try {
        addIn(t.con, t.key, val ?? null);
      } catch (err) {
        wrap(err, `error in ${o.op} for path: '${path}': `);
      }
      return;
    }
    case 'test':
      test(doc, o);
      return;
    default:
      throw new PatchError(`Unexpected kind: ${o.op ?? 'unknown'}`);
  }
}

export function applyJsonPatch(doc: J, ops: Op[]): J {
  const out = structuredClone(doc);
  for (const o of ops) applyOne(out, o);
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
