/**
 * V8's optimizing compiler (TurboFan) left out of a read of a few megabytes of reports.
 *
 * Such a read takes a fraction of a second, and most of it runs before TurboFan's code is
 * ready: its compile jobs (tens of milliseconds for each reading function) share the runner's
 * few CPUs with the read itself, and code optimized for the first test cases is sometimes
 * thrown away at the first one written otherwise. Maglev, the compiler below it, has code
 * ready within a few cases. Measured on 2 CPUs (`npm run bench:publish-junit`), a 4 MB
 * report is read in about 70% of the time without TurboFan, a 40 MB one a little
 * faster; from a few hundred megabytes on, TurboFan's faster code pays for itself again, so
 * it stays. Under a megabyte too little runs for it to matter, and node:v8 (a few
 * milliseconds to load) is not loaded.
 */
const FROM = 1024 * 1024;
const UP_TO = 128 * 1024 * 1024;

// `--turbofan` is V8's name for the compiler since V8 10.7; an older V8 would print an
// "unrecognized flag" error for it, so it is left alone.
const V8_MAJOR = Number(process.versions.v8.split('.')[0]);

let decided = false;

/**
 * Called once before reading `bytes` of reports, the whole read a step will do. The first
 * call decides for the process: V8 flags hold for every function compiled after them.
 */
export async function tierForReading(bytes: number): Promise<void> {
  if (decided) return;
  decided = true;
  if (bytes < FROM || bytes >= UP_TO || !(V8_MAJOR >= 11)) return;
  const v8 = await import('node:v8');
  v8.setFlagsFromString('--no-turbofan');
}
