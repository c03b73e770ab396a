// Removes the run's temporary directory (see jest-global-setup.mjs).
import { rmSync } from 'node:fs';

export default async function teardown() {
  const dir = process.env.VIRT_CI_TESTS_TMPDIR;
  if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}
