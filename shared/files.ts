import { mkdirSync, promises as fs, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Files written whole or not at all: under a temporary name beside the target, then renamed,
 * so a reader (or a step that fails half way) never sees half a file. The temporary name is
 * removed when the write fails.
 *
 * `fs.promises` is reached through `fs` on purpose: importing node:fs/promises loads Node's
 * readline and REPL history modules at start-up, which a step that never writes pays for.
 */
const inFlight = new Set<string>();

/**
 * `.<name>.<pid>.tmp` beside the file; a second write of the same file while the first is
 * under way gets `.<name>.<pid>-2.tmp`, so two writes never share a temporary file.
 */
function tempName(file: string): string {
  const stem = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}`);
  let name = `${stem}.tmp`;
  for (let n = 2; inFlight.has(name); n++) name = `${stem}-${n}.tmp`;
  inFlight.add(name);
  return name;
}

/** Cleanup after a failed write must not hide the write's own error. */
function removeQuietly(tmp: string): void {
  try {
    rmSync(tmp, { force: true });
  } catch {
    // The write's error is the one to report.
  }
}

export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempName(file);
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, file);
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  } finally {
    inFlight.delete(tmp);
  }
}

export async function writeFileAtomicAsync(
  file: string,
  content: string | Uint8Array,
): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = tempName(file);
  try {
    await fs.writeFile(tmp, content);
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  } finally {
    inFlight.delete(tmp);
  }
}

/** Move a finished temporary file into place; the temporary file is gone afterwards either way. */
export async function commitTempFile(tmp: string, file: string): Promise<void> {
  try {
    await fs.rename(tmp, file);
  } finally {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
  }
}
