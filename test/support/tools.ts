import { findCommand, installCommand, readPackageList } from './system-packages.js';
import { repoRoot } from './harness.js';

/**
 * Fail a host test file at once, in one line, when a system tool it runs is not installed,
 * instead of a raw `spawn … ENOENT` after servers were half started. `npm test` installs the
 * packages before jest starts; this guards a jest run started another way.
 */
export function requireTools(...commands: string[]): void {
  const missing = commands.filter((c) => !findCommand(c));
  if (!missing.length) return;
  const known = readPackageList(repoRoot).filter((p) => missing.includes(p.command));
  const unlisted = missing.filter((c) => !known.some((p) => p.command === c));
  const root = process.getuid?.() === 0;
  const fixes = [
    ...(known.length
      ? [`run \`npm test\` (it installs the test packages) or ${installCommand(known, root)}`]
      : []),
    ...(unlisted.length
      ? [`${unlisted.join(', ')}: only a Debian or Ubuntu machine has them`]
      : []),
  ];
  throw new Error(`this test needs ${missing.join(', ')}, not installed here: ${fixes.join('; ')}`);
}
