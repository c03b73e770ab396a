import { existsSync, readFileSync, rmSync } from 'node:fs';
import { writeFileAtomic } from '../../shared/files.js';

/**
 * File writes for the overlay and kind-config targets: each file is written whole through a
 * temporary name and a rename, and a set of files can be put back as it was, so a failed step
 * leaves no half-written overlay behind.
 */
export interface FileVersion {
  file: string;
  /** null: the file did not exist. */
  content: string | null;
}

export function readVersion(file: string): FileVersion {
  return { file, content: existsSync(file) ? readFileSync(file, 'utf8') : null };
}

/** Put a version in place: null means the file did not exist, so it is removed. */
export function writeVersion(file: string, content: string | null): void {
  if (content === null) rmSync(file, { force: true });
  else writeFileAtomic(file, content);
}

export function writeAll(versions: FileVersion[]): void {
  for (const v of versions) writeVersion(v.file, v.content);
}

/** State a post step needs: what each file held before and what this run wrote. */
export interface FileRestore {
  before: FileVersion[];
  written: FileVersion[];
}

/**
 * Put files back when they still hold what this run wrote; a file someone changed since is
 * left alone and reported.
 */
export function restoreFiles(state: FileRestore): { restored: string[]; skipped: string[] } {
  const restored: string[] = [];
  const skipped: string[] = [];
  for (const w of state.written) {
    const now = readVersion(w.file).content;
    const orig = state.before.find((b) => b.file === w.file);
    if (!orig) continue;
    if (now !== w.content) {
      skipped.push(w.file);
      continue;
    }
    if (now !== orig.content) {
      writeVersion(w.file, orig.content);
      restored.push(w.file);
    }
  }
  return { restored, skipped };
}
