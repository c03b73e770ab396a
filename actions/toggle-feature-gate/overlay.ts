import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { Document, isMap, isSeq, parseAllDocuments, parseDocument } from 'yaml';
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

function findKubeVirt(docs: JsonObject[], t: OverlayTarget): JsonObject {
  const kvs = docs.filter((d) => d.kind === 'KubeVirt');
  const match = kvs.find((d) => getAt(d, '/metadata/name') === t.name);
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

export async function toggleOverlay(
  t: OverlayTarget,
  want: Wanted,
  dryRun: boolean,
): Promise<FileOutcome> {
  const kfile = kustomizationFile(t);
  const kv = findKubeVirt(await render(t.dir, t.shown), t);
  const edit = editKubeVirt(kv, want, `overlay ${quote(t.shown)}`);
  const patch = diffAt(kv, edit.desired, edit.pointers);
  if (patch.length === 0) return { edit, patch, changed: false, preview: [] };

  const patchFile = path.join(t.dir, PATCH_FILE);
  const before: FileVersion[] = [readVersion(kfile), readVersion(patchFile)];

  const pdoc = before[1].content ? parseDocument(before[1].content) : newPatchDocument();
  pdoc.set('apiVersion', kv.apiVersion ?? 'kubevirt.io/v1');
  pdoc.set('kind', 'KubeVirt');
  pdoc.setIn(['metadata', 'name'], t.name);
  const ns = getAt(kv, '/metadata/namespace');
  if (typeof ns === 'string') pdoc.setIn(['metadata', 'namespace'], ns);
  for (const p of edit.pointers) setPointer(pdoc, p, getAt(edit.desired, p));

  const kdoc = parseDocument(before[0].content ?? '');
  const patches = kdoc.get('patches', true);
  const listed =
    isSeq(patches) &&
    patches.items.some((i) => isMap(i) && i.get('path') === PATCH_FILE && !i.has('target'));
  if (!listed) {
    if (!isSeq(patches)) kdoc.set('patches', kdoc.createNode([{ path: PATCH_FILE }]));
    else patches.add(kdoc.createNode({ path: PATCH_FILE }));
  }
  const written: FileVersion[] = [
    { file: kfile, content: kdoc.toString() },
    { file: patchFile, content: pdoc.toString() },
  ];
  const preview = written
    .filter((w, i) => w.content !== before[i].content)
    .map((w) => ({ file: path.join(t.shown, path.basename(w.file)), content: w.content ?? '' }));
  if (dryRun) return { edit, patch, changed: true, preview };

  writeAll(written);
  try {
    const check = findKubeVirt(await render(t.dir, t.shown), t);
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
