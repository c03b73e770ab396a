import { realpathSync } from 'node:fs';
import path from 'node:path';
import { UserError, quote } from '../../shared/errors.js';

/**
 * Paths the step writes or reads (the record, oci:<dir> layouts) stay inside the workspace or
 * RUNNER_TEMP: a path that leads elsewhere, written out or through a symbolic link, is refused
 * in one line before anything is promoted. Returns the absolute path.
 */
export function confinePath(
  what: string,
  written: string,
  workspace: string,
  tempDir?: string,
): string {
  const file = path.resolve(workspace, written);
  const real = realPrefix(file);
  const roots = [workspace, tempDir].filter((r): r is string => !!r).map(realPrefix);
  if (roots.some((root) => real === root || real.startsWith(root + path.sep))) return file;
  const allowed = tempDir ? 'the workspace or RUNNER_TEMP' : 'the workspace';
  throw new UserError(
    `${what}: ${quote(written)} is outside ${allowed}; allowed: a path inside ${allowed}`,
  );
}

/** The path with its longest existing part resolved through symbolic links. */
function realPrefix(file: string): string {
  const rest: string[] = [];
  for (let dir = file; ; dir = path.dirname(dir)) {
    try {
      return path.join(realpathSync(dir), ...rest);
    } catch {
      if (path.dirname(dir) === dir) return file;
      rest.unshift(path.basename(dir));
    }
  }
}
