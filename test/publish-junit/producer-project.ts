import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, run } from '../support/harness.js';

// Tiny test projects run by real producers, and their reports published by the bundled
// action the way the runner runs it.
const execFileP = promisify(execFile);
export const bin = (p: string) => path.join(repoRoot, 'node_modules', p);

export async function produce(
  cmd: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
) {
  // The projects fail on purpose: a non-zero exit is expected, a missing report is not.
  try {
    await execFileP(cmd, args, { cwd, env: { ...process.env, ...env }, timeout: 60_000 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error(`${cmd} is not installed: ${e.message}`);
  }
}

export function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pj-prod-'));
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

export async function publish(workspace: string, paths: string) {
  const r = await run('publish-junit', { workspace, inputs: { paths, 'check-run': 'false' } });
  const errors = r.annotations.filter((a) => a.level === 'error' && a.properties.title);
  return { r, errors };
}

/**
 * A jest config writing jest-junit's report; OUT and NAME in the environment of a run choose
 * another folder and file, so one project can write several reports.
 */
export function jestConfig(dir = 'reports', name = 'jest.xml'): string {
  const junit = JSON.stringify(bin('jest-junit'));
  return `module.exports = { testEnvironment: 'node', transform: {}, reporters: ['default', [${junit}, { outputDirectory: process.env.OUT || ${JSON.stringify(dir)}, outputName: process.env.NAME || ${JSON.stringify(name)} }]] };`;
}

/** Runs the real jest in a project made with jestConfig. */
export async function runJest(ws: string, env: Record<string, string> = {}): Promise<void> {
  await produce(process.execPath, [bin('jest/bin/jest.js'), '--ci', '--rootDir', ws], ws, env);
}
