import path from 'node:path';
import { UserError, errorMessage } from '../../shared/errors.js';

/**
 * Upload the reports and logs as one artifact. @actions/artifact is heavy and only this path
 * needs it, so it is loaded here, on demand. Files keep their paths relative to the deepest
 * folder they share (the workspace for the usual layouts).
 */
export interface ArtifactUpload {
  name: string;
  files: string[];
  retentionDays?: number;
}

export function commonRoot(files: string[]): string {
  if (files.length === 0) return process.cwd();
  let root = path.dirname(path.resolve(files[0]));
  for (const f of files) {
    const abs = path.resolve(f);
    while (abs !== root && !abs.startsWith(root.endsWith(path.sep) ? root : root + path.sep))
      root = path.dirname(root);
  }
  return root;
}

export async function uploadArtifact(
  upload: ArtifactUpload,
  workspace: string,
): Promise<{ id?: number; size?: number }> {
  if (!process.env.ACTIONS_RUNTIME_TOKEN || !process.env.ACTIONS_RESULTS_URL) {
    throw new UserError(
      `input "artifact": cannot upload "${upload.name}": ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL are not set (artifacts work only inside a GitHub Actions job)`,
    );
  }
  const files = [...new Set(upload.files.map((f) => path.resolve(f)))];
  const inside = files.every((f) => !path.relative(workspace, f).startsWith('..'));
  const root = inside ? path.resolve(workspace) : commonRoot(files);
  const { DefaultArtifactClient } = await import('@actions/artifact');
  try {
    const res = await new DefaultArtifactClient().uploadArtifact(upload.name, files, root, {
      ...(upload.retentionDays ? { retentionDays: upload.retentionDays } : {}),
    });
    return { id: res.id, size: res.size };
  } catch (err) {
    throw new UserError(
      `input "artifact": uploading "${upload.name}" failed: ${errorMessage(err)}`,
    );
  }
}
