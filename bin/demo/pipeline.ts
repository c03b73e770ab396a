import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findRepoRoot, runAction, type RunResult } from '../../shared/harness/runner.js';
import { parseProfile } from '../../shared/profile.js';
import { promoteDigestDemo } from './promote-digest.js';
import { publishJunitDemo } from './publish-junit.js';
import { selectTestsDemo } from './select-tests.js';
import { setupHypervisorDemo } from './setup-hypervisor.js';
import { toggleFeatureGateDemo } from './toggle-feature-gate.js';
import type { DemoContext, DemoPlan, DemoStep, Stage } from './types.js';

/**
 * The seed pipeline (seed 000) played locally on embedded defaults, no network:
 * dev -> promote the same digest -> each test environment -> one dashboard. Every step runs
 * the committed bundle through the runner harness, as GitHub would.
 */
const PLANS: DemoPlan[] = [
  setupHypervisorDemo,
  toggleFeatureGateDemo,
  selectTestsDemo,
  publishJunitDemo,
  promoteDigestDemo,
];

const NOT_BUILT = /not implemented yet/;

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
  const tally = { ok: 0, failed: 0, notBuilt: 0, unexpected: 0 };
  const notBuilt = new Set<string>();

  const play = async (stage: Stage) => {
    for (const plan of PLANS) {
      const step: DemoStep | undefined = plan(stage, ctx);
      if (!step) continue;
      await step.prepare?.(ctx);
      const result = await runAction({
        repoRoot,
        action: step.action,
        inputs: step.inputs,
        env: step.env,
        workspace,
      });
      if (result.exitCode === 0) {
        tally.ok++;
        write(
          `  ✔ ${step.title.padEnd(34)} ${(step.describe ?? defaultDescription)(result, ctx)}\n`,
        );
        await step.after?.(result, ctx);
      } else if (NOT_BUILT.test(firstError(result))) {
        tally.notBuilt++;
        notBuilt.add(step.action);
        write(
          `  · ${step.title.padEnd(34)} not built yet (the bundle ran, read the profile, and said so)\n`,
        );
      } else {
        tally.failed++;
        write(`  ✘ ${step.title.padEnd(34)} ${firstError(result)}\n`);
        if (step.describe) write(`    ${step.describe(result, ctx)}\n`);
      }
    }
  };

  write(
    `virt-ci demo — seed 000: dev -> promote -> ${profile.environments
      .filter((e) => e.name !== 'dev')
      .map((e) => e.name)
      .join(' | ')}\n`,
  );
  write(`workspace: ${workspace}\n`);
  for (const env of profile.environments) {
    ctx.environment = env;
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
  write(
    `\n${tally.ok} step(s) ran, ${tally.failed} failed, ${tally.notBuilt} not built yet${notBuilt.size ? ` (${[...notBuilt].join(', ')})` : ''}\n`,
  );
  if (!process.env.VIRT_CI_DEMO_KEEP) rmSync(base, { recursive: true, force: true });
  return tally.failed ? 1 : 0;
}
