import { findCommand, installCommand, readPackageList } from './system-packages.js';
import { repoRoot } from './harness.js';

/**
 * Fail a host test file at once, in one line, when a system tool it runs is not installed,
 * instead of a raw `spawn … ENOENT` after servers were half started. `npm test` installs the
 * packages before jest starts; this guards a jest run started another way.
 */
export function requireTools(...commands: string[]): void {
  const known = readPackageList(repoRoot);
  const missing = commands.filter((c) => !findCommand(c));
  if (!missing.length) return;
  const packages = missing.map(
    (c) =>
      known.find((p) => p.command === c) ?? {
        name: c,
        command: c,
      },
  );
  const root = process.getuid?.() === 0;
  throw new Error(
    `this test needs ${missing.join(', ')}, not installed here: run \`npm test\` (it installs the test packages) or ${installCommand(packages, root)}`,
  );
}
