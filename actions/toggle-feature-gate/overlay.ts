import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  Document,
  isMap,
  isSeq,
  parse as parseYaml,
  parseAllDocuments,
  parseDocument,
  stringify,
  type YAMLMap,
} from 'yaml';
import { UserError, quote } from '../../shared/errors.js';
import { exec, ExecError } from '../../shared/exec.js';
import { editKubeVirt, type Wanted } from './edits.js';
import { readVersion, writeAll, type FileVersion } from './files.js';
import type { FileOutcome } from './kind-config.js';
import { deepEqual, diffAt, getAt, isObject, parsePointer, type JsonObject } from './json-patch.js';

/**
 * A kustomize overlay: the gates go into a patch file of their own next to the
 * kustomization, listed under `patches`, so `kubectl kustomize` renders the KubeVirt CR with
 * them. The current state is read from the real rendering (base + every patch), the new
 * lists are written whole (kustomize replaces lists of custom resources), and the result is
 * rendered again to prove it; if that proof fails, both files are put back.
 */
export const PATCH_FILE = 'virt-ci-feature-gates.yaml';
const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export interface OverlayTarget {
  dir: string;
  shown: string;
  /** The KubeVirt CR's name in the rendering. */
  name: string;
}

async function render(dir: string, shown: string): Promise<JsonObject[]> {
  let out: string;
  try {
    out = (await exec('kubectl', ['kustomize', dir])).stdout;
  } catch (err) {
    if (err instanceof ExecError && err.result) {
      throw new UserError(
        `overlay ${quote(shown)}: kubectl kustomize failed: ${kustomizeReason(err)}`,
      );
    }
    throw err;
  }
  return parseAllDocuments(out)
    .map((d) => d.toJS() as unknown)
    .filter(isObject);
}

/** kubectl wraps kustomize's reason in a klog line; the reason is what the user needs. */
function kustomizeReason(err: ExecError): string {
  const lines = (err.result?.stderr ?? '').split('\n').filter((l) => l.trim());
  const last = lines.at(-1) ?? err.message;
  const m = /"command failed" err="(.*)"\s*$/.exec(last);
  return m ? m[1].replace(/\\"/g, '"') : last.replace(/^error:\s*/, '');
}

/**
 * This overlay's own name transformers. kustomize matches a patch against a resource as it
 * comes from the overlay's resources, before the overlay's namePrefix, nameSuffix and
 * namespace apply: a patch naming the rendered name matches nothing.
 */
interface Renames {
  prefix: string;
  suffix: string;
  namespace?: string;
}

function renamesOf(kdoc: Document): Renames {
  const str = (k: string) => {
    const v = kdoc.get(k);
    return typeof v === 'string' ? v : '';
  };
  return {
    prefix: str('namePrefix'),
    suffix: str('nameSuffix'),
    namespace: str('namespace') || undefined,
  };
}

/** The name the overlay's patches must use for a resource it renders as `rendered`. */
function nameBefore(rendered: string, r: Renames): string {
  let n = rendered;
  if (r.prefix && n.startsWith(r.prefix)) n = n.slice(r.prefix.length);
  if (r.suffix && n.endsWith(r.suffix)) n = n.slice(0, n.length - r.suffix.length);
  return n;
}

function findKubeVirt(docs: JsonObject[], t: OverlayTarget, r?: Renames): JsonObject {
  const kvs = docs.filter((d) => d.kind === 'KubeVirt');
  const names = [t.name, ...(r ? [`${r.prefix}${t.name}${r.suffix}`] : [])];
  const match =
    kvs.find((d) => getAt(d, '/metadata/name') === names[0]) ??
    kvs.find((d) => names.includes(String(getAt(d, '/metadata/name'))));
  if (!match) {
    const found = kvs.map((d) => String(getAt(d, '/metadata/name')));
    throw new UserError(
      `overlay ${quote(t.shown)}: renders no KubeVirt named ${quote(t.name)}; found: ${found.length ? found.join(', ') : 'no KubeVirt at all'}`,
    );
  }
  return match;
}

function kustomizationFile(t: OverlayTarget): string {
  if (!existsSync(t.dir) || !statSync(t.dir).isDirectory()) {
    throw new UserError(
      `input "path": overlay ${quote(t.shown)} does not exist or is not a folder`,
    );
  }
  const f = KUSTOMIZATION_FILES.map((n) => path.join(t.dir, n)).find((p) => existsSync(p));
  if (!f) {
    throw new UserError(
      `input "path": overlay ${quote(t.shown)} has no ${KUSTOMIZATION_FILES.join(' / ')}`,
    );
  }
  return f;
}

function newPatchDocument(): Document {
  const doc = new Document({});
  doc.commentBefore =
    ' Feature gates for the KubeVirt CR, kept by virt-ci toggle-feature-gate.\n Change the gates input or the profile rather than this file.';
  return doc;
}

function setPointer(doc: Document, ptr: string, value: unknown): void {
  const keys = parsePointer(ptr);
  if (value === undefined) doc.deleteIn(keys);
  else doc.setIn(keys, doc.createNode(value));
}

/** A JSON 6902 patch of the overlay aimed at the KubeVirt CR: in a file or inline. */
interface OpsPatch {
  entry: YAMLMap;
  list: string;
  file?: string;
  ops: Array<Record<string, unknown>>;
}

function targetsKubeVirt(entry: YAMLMap, name: string): boolean {
  const target = entry.get('target', true);
  if (!isMap(target)) return false;
  const kind = target.get('kind');
  const tname = target.get('name');
  return kind === 'KubeVirt' && (tname === undefined || tname === name);
}

/** JSON 6902 patches (legacy patchesJson6902, or `patches` with a target and an op list). */
function json6902Patches(kdoc: Document, dir: string, name: string): OpsPatch[] {
  const out: OpsPatch[] = [];
  for (const list of ['patchesJson6902', 'patches']) {
    const seq = kdoc.get(list, true);
    if (!isSeq(seq)) continue;
    for (const entry of seq.items) {
      if (!isMap(entry) || !targetsKubeVirt(entry, name)) continue;
      const ref = entry.get('path');
      const file = typeof ref === 'string' ? path.resolve(dir, ref) : undefined;
      const text = file ? readVersion(file).content : entry.get('patch');
      if (typeof text !== 'string') continue;
      let ops: unknown;
      try {
        ops = parseYaml(text);
      } catch {
        continue;
      }
      if (Array.isArray(ops) && ops.every(isObject)) out.push({ entry, list, file, ops });
    }
  }
  return out;
}

const under = (p: unknown, pointers: string[]) =>
  typeof p === 'string' && pointers.some((q) => p === q || p.startsWith(`${q}/`));

/**
 * Take the operations on the values this step sets out of the overlay's JSON 6902 patches:
 * kustomize applies those after `patches`, so they would override the new lists. What they
 * did is kept: the new lists are computed from the rendering, which includes their effect.
 * An operation on a parent of those values is left alone (the rendering check reports it).
 */
function editJson6902(
  kdoc: Document,
  dir: string,
  name: string,
  pointers: string[],
): FileVersion[] {
  const files: FileVersion[] = [];
  for (const p of json6902Patches(kdoc, dir, name)) {
    const kept = p.ops.filter(
      (op) => !under(op.path, pointers) && !(op.op === 'move' && under(op.from, pointers)),
    );
    if (kept.length === p.ops.length) continue;
    if (kept.length === 0) {
      const seq = kdoc.get(p.list, true);
      if (isSeq(seq)) seq.items.splice(seq.items.indexOf(p.entry), 1);
    } else if (p.file) {
      files.push({ file: p.file, content: stringify(kept) });
    } else {
      p.entry.set('patch', stringify(kept));
    }
  }
  return files;
}

// One pass from the rendering to the written and proven files; the steps share the parsed
// kustomization and the before/written lists, which splitting would pass around whole.
export async function toggleOverlay(
  t: OverlayTarget,
  want: Wanted,
  dryRun: boolean,
): Promise<FileOutcome> {
  const kfile = kustomizationFile(t);
  const kBefore = readVersion(kfile);
  const kdoc = parseDocument(kBefore.content ?? '');
  const renames = renamesOf(kdoc);
  const kv = findKubeVirt(await render(t.dir, t.shown), t, renames);
  const edit = editKubeVirt(kv, want, `overlay ${quote(t.shown)}`);
  const patch = diffAt(kv, edit.desired, edit.pointers);
  if (patch.length === 0) return { edit, patch, changed: false, preview: [] };

  const rendered = String(getAt(kv, '/metadata/name'));
  const name = nameBefore(rendered, renames);
  const renamed = name !== rendered || renames.namespace !== undefined;
  const patchFile = path.join(t.dir, PATCH_FILE);
  const pBefore = readVersion(patchFile);
  const pdoc = pBefore.content ? parseDocument(pBefore.content) : newPatchDocument();
  pdoc.set('apiVersion', kv.apiVersion ?? 'kubevirt.io/v1');
  pdoc.set('kind', 'KubeVirt');
  pdoc.setIn(['metadata', 'name'], name);
  const ns = getAt(kv, '/metadata/namespace');
  // Under the overlay's own namespace transformer the original namespace is unknown here;
  // the kustomization entry's target selects the CR instead.
  if (typeof ns === 'string' && !renames.namespace) pdoc.setIn(['metadata', 'namespace'], ns);
  else pdoc.deleteIn(['metadata', 'namespace']);
  for (const p of edit.pointers) setPointer(pdoc, p, getAt(edit.desired, p));

  const opFiles = editJson6902(kdoc, t.dir, name, edit.pointers);
  listPatch(kdoc, renamed ? { group: 'kubevirt.io', kind: 'KubeVirt', name } : undefined);
  const before: FileVersion[] = [kBefore, pBefore, ...opFiles.map((f) => readVersion(f.file))];
  const written: FileVersion[] = [
    { file: kfile, content: kdoc.toString() },
    { file: patchFile, content: pdoc.toString() },
    ...opFiles,
  ];
  const preview = written
    .filter((w, i) => w.content !== before[i].content)
    .map((w) => ({
      file: path.join(t.shown, path.relative(t.dir, w.file)),
      content: w.content ?? '',
    }));
  if (dryRun) return { edit, patch, changed: true, preview };

  writeAll(written);
  try {
    const check = findKubeVirt(await render(t.dir, t.shown), t, renames);
    const wrong = edit.pointers.filter((p) => !deepEqual(getAt(check, p), getAt(edit.desired, p)));
    if (wrong.length) {
      throw new UserError(
        `overlay ${quote(t.shown)}: after writing ${PATCH_FILE}, kubectl kustomize still renders other values at ${wrong.join(', ')} (a later patch overrides them?); the overlay was put back`,
      );
    }
  } catch (err) {
    writeAll(before);
    throw err;
  }
  return { edit, patch, changed: true, preview, restore: { before, written } };
}

/**
 * List the gates patch under `patches` once. With a target (needed when the overlay renames
 * or re-namespaces the CR) kustomize applies it to the CR whatever the patch's own metadata.
 */
function listPatch(kdoc: Document, target?: Record<string, string>): void {
  const patches = kdoc.get('patches', true);
  const mine = isSeq(patches)
    ? patches.items.find((i) => isMap(i) && i.get('path') === PATCH_FILE)
    : undefined;
  const entry = { path: PATCH_FILE, ...(target ? { target } : {}) };
  if (isMap(mine)) {
    if (target) mine.set('target', kdoc.createNode(target));
    else mine.delete('target');
    return;
  }
  if (!isSeq(patches)) kdoc.set('patches', kdoc.createNode([entry]));
  else patches.add(kdoc.createNode(entry));
}
