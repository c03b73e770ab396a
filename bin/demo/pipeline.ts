import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findRepoRoot, runAction, type RunResult } from '../../shared/harness/runner.js';
import { parseProfile } from '../../shared/profile.js';
import { promoteDigestDemo } from './promote-digest.js';
import { publishJunitDemo } from './publish-junit.js';
import { runTestsDemo } from './run-tests.js';
import { selectTestsDemo } from './select-tests.js';
import { setupHypervisorDemo } from './setup-hypervisor.js';
import { toggleFeatureGateDemo } from './toggle-feature-gate.js';
import type { DemoContext, DemoPlan, Stage } from './types.js';

/**
 * The seed pipeline (seed 000) played locally on embedded defaults, no network:
 * dev -> promote the same digest -> each test environment -> one dashboard. Every action step
 * runs the committed bundle through the runner harness, as GitHub would; the tests between
 * them are a small real mocha suite.
 */
const PLANS: DemoPlan[] = [
  setupHypervisorDemo,
  toggleFeatureGateDemo,
  selectTestsDemo,
  runTestsDemo,
  publishJunitDemo,
  promoteDigestDemo,
];

function firstError(r: RunResult): string {
  return r.annotations.find((a) => a.level === 'error')?.message ?? `exit ${r.exitCode}`;
}

function defaultDescription(r: RunResult): string {
  const entries = Object.entries(r.outputs).filter(([, v]) => v.length <= 80);
  return entries.length
    ? entries
        .slice(0, 6)
        .map(([k, v]) => `${k}=${v}`)
        .join('  ')
    : 'done';
}

export async function runDemo(
  write: (s: string) => void = (s) => process.stdout.write(s),
): Promise<number> {
  const repoRoot = findRepoRoot();
  const base = mkdtempSync(path.join(os.tmpdir(), 'virt-ci-demo-'));
  const workspace = path.join(base, 'workspace');
  mkdirSync(path.join(workspace, '.github'), { recursive: true });
  const profileFile = path.join(repoRoot, '.github', 'virt-ci.yaml');
  cpSync(profileFile, path.join(workspace, '.github', 'virt-ci.yaml'));
  const profile = parseProfile(readFileSync(profileFile, 'utf8'), '.github/virt-ci.yaml');
  const ctx: DemoContext = { repoRoot, workspace, profile, shared: new Map() };
  const tally = { ok: 0, failed: 0 };
  // Like a job on a runner, an environment's steps see what its earlier steps exported.
  let jobEnv: Record<string, string> = {};

  const play = async (stage: Stage) => {
    for (const plan of PLANS) {
      const step = plan(stage, ctx);
      if (!step) continue;
      await step.prepare?.(ctx);
      if (step.local) {
        const { ok, line } = await step.local(ctx, jobEnv);
        tally[ok ? 'ok' : 'failed']++;
        write(`  ${ok ? '✔' : '✘'} ${step.title.padEnd(34)} ${line}\n`);
        continue;
      }
      const result = await runAction({
        repoRoot,
        action: step.action ?? '',
        inputs: step.inputs,
        env: { ...jobEnv, ...step.env },
        workspace,
      });
      if (result.exitCode === 0) {
        tally.ok++;
        jobEnv = { ...jobEnv, ...result.env };
        const line = (step.describe ?? defaultDescription)(result, ctx);
        write(`  ✔ ${step.title.padEnd(34)} ${line}\n`);
        await step.after?.(result, ctx);
      } else {
        tally.failed++;
        write(`  ✘ ${step.title.padEnd(34)} ${firstError(result)}\n`);
        if (step.describe) write(`    ${step.describe(result, ctx)}\n`);
      }
    }
  };

  const tests = profile.environments.filter((e) => e.name !== 'dev').map((e) => e.name);
  write(`virt-ci demo — seed 000: dev -> promote -> ${tests.join(' | ')}\n`);
  write(`workspace: ${workspace}\n`);
  for (const env of profile.environments) {
    ctx.environment = env;
    jobEnv = {};
    write(`\n▶ ${env.name}${env.description ? ` — ${env.description}` : ''}\n`);
    await play('environment');
    if (env.name === 'dev') {
      write(`\n▶ promote (dev passed: the same digest goes to the test environments)\n`);
      await play('promote');
    }
  }
  ctx.environment = undefined;
  write(`\n▶ dashboard\n`);
  await play('dashboard');
  write(`\n${tally.ok} step(s) ran, ${tally.failed} failed\n`);
  if (process.env.VIRT_CI_DEMO_KEEP) write(`kept: ${base}\n`);
  else rmSync(base, { recursive: true, force: true });
  return tally.failed ? 1 : 0;
}
