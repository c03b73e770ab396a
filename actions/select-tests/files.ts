import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError, quote } from '../../shared/errors.js';
import { globFiles } from '../../shared/glob.js';

const GLOB_CHARS = /[*?[\]{}]/;

export interface FoundFile {
  file: string;
  /** Workspace-relative name for messages and the summary. */
  display: string;
}

/**
 * Expand workspace-relative paths and globs. A plain path that does not exist is an error
 * (the user named it); a glob that matches nothing is only empty, since old runs may be
 * missing on a first run.
 */
export async function expandPaths(
  workspace: string,
  patterns: readonly string[],
  /** What to blame in messages: `input "inventory"`, or the profile field the paths came from. */
  what: string,
): Promise<FoundFile[]> {
  const out: FoundFile[] = [];
  const seen = new Set<string>();
  const add = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    out.push({ file, display: path.relative(workspace, file) || file });
  };
  const globs: string[] = [];
  for (const p of patterns) {
    if (GLOB_CHARS.test(p)) {
      globs.push(path.isAbsolute(p) ? p : path.join(workspace, p));
      continue;
    }
    const file = path.resolve(workspace, p);
    if (!existsSync(file)) {
      throw new UserError(`${what}: ${quote(p)} does not exist (relative to the workspace)`);
    }
    if (statSync(file).isDirectory()) {
      throw new UserError(
        `${what}: ${quote(p)} is a directory; give files or globs such as ${p}/*.xml`,
      );
    }
    add(file);
  }
  if (globs.length > 0) {
    for (const file of await globFiles(globs, workspace, { implicitDescendants: true })) add(file);
  }
  return out;
}
