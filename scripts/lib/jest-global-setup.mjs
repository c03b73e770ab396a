// One temporary directory for a whole test run: every test's temp files, device nodes, registry
// data and bundle workspaces go below it (TMPDIR, which os.tmpdir() and the tools honour, is
// inherited by the workers and every process they start). jest-global-teardown.mjs removes it
// when the run ends, failed tests included, so a run leaves nothing behind on the host.
import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default async function setup() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'virt-ci-tests-'));
  // Searchable, not listable: tests that run a step as an unprivileged user reach their own
  // subdirectories through it.
  chmodSync(dir, 0o711);
  process.env.VIRT_CI_TESTS_TMPDIR = dir;
  process.env.TMPDIR = dir;
}
