import { existsSync, readFileSync } from 'node:fs';
import { UserError, quote } from '../../shared/errors.js';
import { editMapAt, type Edit, type Wanted } from './edits.js';
import { writeVersion, type FileRestore } from './files.js';
import { diffAt, type JsonObject, type PatchOp } from './json-patch.js';

/**
 * kind's cluster config: `featureGates` is a name→bool map handed to every Kubernetes
 * component. The file is edited through the YAML Document API, so the user's comments,
 * key order and quoting survive; only the gate entries that differ are touched.
 */
export interface FileOutcome {
  edit: Edit;
  patch: PatchOp[];
  changed: boolean;
  restore?: FileRestore;
  /** What was (or on a dry run would be) written, per file. */
  preview: Array<{ file: string; content: string }>;
}

export async function toggleKindConfig(
  file: string,
  shown: string,
  want: Wanted,
  dryRun: boolean,
): Promise<FileOutcome> {
  if (!existsSync(file)) {
    throw new UserError(`input "path": kind config ${quote(shown)} does not exist`);
  }
  const text = readFileSync(file, 'utf8');
  // The YAML parser loads here, when there is a file to read, not with the step.
  const { LineCounter, isMap, isScalar, parseDocument } = await import('yaml');
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw new UserError(
      `${shown}:${lines.linePos(e.pos[0]).line}: not valid YAML: ${e.message.split('\n')[0]}`,
    );
  }
  const json = (doc.toJS() ?? {}) as JsonObject;
  if (json.kind !== 'Cluster' || !String(json.apiVersion ?? '').startsWith('kind.x-k8s.io/')) {
    throw new UserError(
      `${shown}: not a kind cluster config; expected kind: Cluster and apiVersion: kind.x-k8s.io/v1alpha4`,
    );
  }
  const gates = doc.get('featureGates', true);
  if (gates !== undefined && !isMap(gates) && !(isScalar(gates) && gates.value === null)) {
    throw new UserError(`${shown}: featureGates must be a map of gate names to true/false`);
  }
  const edit = editMapAt(json, '/featureGates', want, shown);
  const patch = diffAt(json, edit.desired, edit.pointers);
  if (patch.length === 0) return { edit, patch, changed: false, preview: [] };
  if (!isMap(gates)) doc.set('featureGates', doc.createNode({}));
  for (const [n, state] of Object.entries(edit.after)) {
    if (edit.before[n] !== state) doc.setIn(['featureGates', n], state === 'enabled');
  }
  const content = doc.toString();
  const preview = [{ file: shown, content }];
  if (dryRun) return { edit, patch, changed: true, preview };
  writeVersion(file, content);
  return {
    edit,
    patch,
    changed: true,
    preview,
    restore: { before: [{ file, content: text }], written: [{ file, content }] },
  };
}
