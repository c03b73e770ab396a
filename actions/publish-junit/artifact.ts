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

/** The deepest folder holding every one of `files` (absolute paths, at least one). */
function commonRoot(files: string[]): string {
  let root = path.dirname(files[0]);
  for (const f of files) {
    while (f !== root && !f.startsWith(root.endsWith(path.sep) ? root : root + path.sep))
      root = path.dirname(root);
  }
  return root;
}

/**
 * The artifact's ID. `env` is the step's environment: the check for the runtime token reads it there. The
 * artifact client itself reads the same two variables from the process, where the runner
 * puts them.
 */
export async function uploadArtifact(
  upload: ArtifactUpload,
  workspace: string,
  env: NodeJS.ProcessEnv,
): Promise<number | undefined> {
  if (!env.ACTIONS_RUNTIME_TOKEN || !env.ACTIONS_RESULTS_URL) {
    throw new UserError(
      `input "artifact": cannot upload "${upload.name}": ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL are not set (artifacts work only inside a GitHub Actions job)`,
    );
  }
  const files = [...new Set(upload.files.map((f) => path.resolve(workspace, f)))];
  const inside = files.every((f) => !path.relative(workspace, f).startsWith('..'));
  const root = inside ? path.resolve(workspace) : commonRoot(files);
  const { DefaultArtifactClient } = await import('@actions/artifact');
  try {
    const res = await new DefaultArtifactClient().uploadArtifact(upload.name, files, root, {
      ...(upload.retentionDays ? { retentionDays: upload.retentionDays } : {}),
    });
    return res.id;
  } catch (err) {
    throw new UserError(
      `input "artifact": uploading "${upload.name}" failed: ${errorMessage(err)}`,
    );
  }
}
