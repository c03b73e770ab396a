import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findRepoRoot, runWorkflowStep, type RunResult } from '../../shared/harness/runner.js';
import { parseProfile } from '../../shared/profile.js';
import { promoteDigestDemo } from './promote-digest.js';
import { publishJunitDemo } from './publish-junit.js';
import { runTestsDemo, SUITE_DIR, SUITE_FILE } from './run-tests.js';
import { selectTestsDemo } from './select-tests.js';
import { setupHypervisorDemo } from './setup-hypervisor.js';
import { toggleFeatureGateDemo } from './toggle-feature-gate.js';
import type { DemoContext, DemoPlan, Stage } from './types.js';

/**
 * The seed pipeline (seed 000) played locally on embedded defaults, no network:
 * dev -> promote the same digest -> each test environment -> one dashboard. Every action step
 * runs the committed bundle through the runner harness, as GitHub would; the tests between
 * them are a small real mocha suite. As in .github/workflows/pipeline.yml, a dev failure blocks
 * the promotion and so the test environments; the dashboard publishes whatever ran.
 */
const DEV = 'dev';
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

export interface DemoOptions {
  write?: (s: string) => void;
  /** The mocha spec file the tests step runs (default: the demo's own suite). */
  suite?: string;
}

const MARK = { ok: '✔', failed: '✘', skipped: '–' } as const;

export async function runDemo(options: DemoOptions = {}): Promise<number> {
  const write = options.write ?? ((s: string) => process.stdout.write(s));
  const repoRoot = findRepoRoot();
  const base = mkdtempSync(path.join(os.tmpdir(), 'virt-ci-demo-'));
  const workspace = path.join(base, 'workspace');
  mkdirSync(path.join(workspace, '.github'), { recursive: true });
  const profileFile = path.join(repoRoot, '.github', 'virt-ci.yaml');
  cpSync(profileFile, path.join(workspace, '.github', 'virt-ci.yaml'));
  const profile = parseProfile(readFileSync(profileFile, 'utf8'), '.github/virt-ci.yaml');
  const suite = options.suite ?? path.join(repoRoot, SUITE_DIR, SUITE_FILE);
  const ctx: DemoContext = { repoRoot, workspace, profile, suite, shared: new Map() };
  const tally = { ok: 0, failed: 0, skipped: 0 };
  // Like a job on a runner, an environment's steps see what its earlier steps exported.
  let jobEnv: Record<string, string> = {};

  const show = (mark: keyof typeof MARK, title: string, line: string) => {
    tally[mark]++;
    write(`  ${MARK[mark]} ${title.padEnd(34)} ${line}\n`);
  };

  /** Plays a stage's steps; returns how many failed. */
  const play = async (stage: Stage): Promise<number> => {
    const before = tally.failed;
    for (const plan of PLANS) {
      const step = plan(stage, ctx);
      if (!step) continue;
      const cannot = step.skip?.(ctx);
      if (cannot) {
        show('skipped', step.title, `skipped: ${cannot}`);
        continue;
      }
      await step.prepare?.(ctx);
      if (step.local) {
        const { ok, line, details } = await step.local(ctx, jobEnv);
        show(ok ? 'ok' : 'failed', step.title, line);
        for (const d of details ?? []) write(`    ${d}\n`);
        continue;
      }
      const result = await runWorkflowStep({
        repoRoot,
        action: step.action ?? '',
        inputs: step.inputs,
        env: { ...jobEnv, ...step.env },
        workspace,
      });
      if (result.exitCode === 0) {
        jobEnv = { ...jobEnv, ...result.env };
        show('ok', step.title, (step.describe ?? defaultDescription)(result, ctx));
        await step.after?.(result, ctx);
      } else {
        show('failed', step.title, firstError(result));
        if (step.describe) write(`    ${step.describe(result, ctx)}\n`);
      }
    }
    return tally.failed - before;
  };
  /** A stage that cannot run: each of its steps shown skipped, with the reason. */
  const block = (stage: Stage, why: string) => {
    for (const plan of PLANS) {
      const step = plan(stage, ctx);
      if (step) show('skipped', step.title, `skipped: ${why}`);
    }
  };

  try {
    const dev = profile.environments.filter((e) => e.name === DEV);
    const tests = profile.environments.filter((e) => e.name !== DEV);
    write(`virt-ci demo — seed 000: dev -> promote -> ${tests.map((e) => e.name).join(' | ')}\n`);
    write(`workspace: ${workspace}\n`);
    // Why the test environments cannot run: they test the promoted digest.
    let blocked: string | undefined;
    for (const env of [...dev, ...tests]) {
      ctx.environment = env;
      jobEnv = {};
      write(`\n▶ ${env.name}${env.description ? ` — ${env.description}` : ''}\n`);
      if (blocked) {
        block('environment', blocked);
        continue;
      }
      const failed = await play('environment');
      if (env.name !== DEV) continue;
      if (failed) {
        write(`\n▶ promote (dev failed: ${failed} step(s) failed, so nothing is promoted)\n`);
        block('promote', 'dev failed, and a dev failure blocks the promotion');
        blocked = 'dev failed, so no digest was promoted for this environment to test';
        continue;
      }
      write(`\n▶ promote (dev passed: the same digest goes to the test environments)\n`);
      if (await play('promote')) blocked = 'the promotion failed, so there is no digest to test';
    }
    ctx.environment = undefined;
    write(`\n▶ dashboard\n`);
    await play('dashboard');
    write(
      `\n${tally.ok + tally.failed} step(s) ran, ${tally.failed} failed, ${tally.skipped} skipped\n`,
    );
    return tally.failed ? 1 : 0;
  } finally {
    if (process.env.VIRT_CI_DEMO_KEEP) write(`kept: ${base}\n`);
    else rmSync(base, { recursive: true, force: true });
  }
}
