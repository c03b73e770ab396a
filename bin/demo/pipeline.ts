import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findRepoRoot, runWorkflowStep, type RunResult } from '../../shared/harness/runner.js';
import { parseProfile } from '../../shared/profile-file.js';
import { promoteDigestDemo } from './promote-digest.js';
import { publishJunitDemo } from './publish-junit.js';
import { runTestsDemo, SUITE_DIR, SUITE_FILE } from './run-tests.js';
import { selectTestsDemo } from './select-tests.js';
import { setupHypervisorDemo } from './setup-hypervisor.js';
import { toggleFeatureGateDemo } from './toggle-feature-gate.js';
import type { DemoContext, DemoPlan, Stage } from './types.js';

/**
 * The pipeline of .github/workflows/pipeline.yml played locally on embedded defaults, no network:
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
  /** Keep the demo's workspace afterwards and say where it is (`virt-ci demo --keep`). */
  keep?: boolean;
}

const MARK = { ok: '✔', failed: '✘', skipped: '–' } as const;

/** One play of the pipeline: the steps of each stage, and the tally shown at the end. */
class DemoRun {
  readonly tally = { ok: 0, failed: 0, skipped: 0 };
  // Like a job on a runner, an environment's steps see what its earlier steps exported.
  jobEnv: Record<string, string> = {};

  constructor(
    private readonly ctx: DemoContext,
    private readonly write: (s: string) => void,
  ) {}

  show(mark: keyof typeof MARK, title: string, line: string): void {
    this.tally[mark]++;
    this.write(`  ${MARK[mark]} ${title.padEnd(34)} ${line}\n`);
  }

  /** Plays a stage's steps; returns how many failed. */
  async play(stage: Stage): Promise<number> {
    const before = this.tally.failed;
    for (const plan of PLANS) {
      const step = plan(stage, this.ctx);
      if (step) await this.step(step);
    }
    return this.tally.failed - before;
  }

  private async step(step: NonNullable<ReturnType<DemoPlan>>): Promise<void> {
    const { ctx } = this;
    const cannot = step.skip?.(ctx);
    if (cannot) return this.show('skipped', step.title, `skipped: ${cannot}`);
    await step.prepare?.(ctx);
    if (step.local) {
      const { ok, line, details } = await step.local(ctx, this.jobEnv);
      this.show(ok ? 'ok' : 'failed', step.title, line);
      for (const d of details ?? []) this.write(`    ${d}\n`);
      return;
    }
    const result = await runWorkflowStep({
      repoRoot: ctx.repoRoot,
      action: step.action ?? '',
      inputs: step.inputs,
      env: { ...this.jobEnv, ...step.env },
      workspace: ctx.workspace,
    });
    if (result.exitCode === 0) {
      this.jobEnv = { ...this.jobEnv, ...result.env };
      this.show('ok', step.title, (step.describe ?? defaultDescription)(result, ctx));
      await step.after?.(result, ctx);
    } else {
      this.show('failed', step.title, firstError(result));
      if (step.describe) this.write(`    ${step.describe(result, ctx)}\n`);
    }
  }

  /** A stage that cannot run: each of its steps shown skipped, with the reason. */
  block(stage: Stage, why: string): void {
    for (const plan of PLANS) {
      const step = plan(stage, this.ctx);
      if (step) this.show('skipped', step.title, `skipped: ${why}`);
    }
  }
}

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
  const demo = new DemoRun(ctx, write);
  try {
    const dev = profile.environments.filter((e) => e.name === DEV);
    const tests = profile.environments.filter((e) => e.name !== DEV);
    write(
      `virt-ci demo — the pipeline: dev -> promote -> ${tests.map((e) => e.name).join(' | ')}\n`,
    );
    write(`workspace: ${workspace}\n`);
    // Why the test environments cannot run: they test the promoted digest.
    let blocked: string | undefined;
    for (const env of [...dev, ...tests]) {
      ctx.environment = env;
      demo.jobEnv = {};
      write(`\n▶ ${env.name}${env.description ? ` — ${env.description}` : ''}\n`);
      if (blocked) {
        demo.block('environment', blocked);
        continue;
      }
      const failed = await demo.play('environment');
      if (env.name !== DEV) continue;
      blocked = await promote(demo, write, failed);
    }
    ctx.environment = undefined;
    write(`\n▶ dashboard\n`);
    await demo.play('dashboard');
    const t = demo.tally;
    write(`\n${t.ok + t.failed} step(s) ran, ${t.failed} failed, ${t.skipped} skipped\n`);
    return t.failed ? 1 : 0;
  } finally {
    if (options.keep) write(`kept: ${base}\n`);
    else rmSync(base, { recursive: true, force: true });
  }
}

/** After dev: promote when it passed; returns why the test environments cannot run, if so. */
async function promote(
  demo: DemoRun,
  write: (s: string) => void,
  devFailed: number,
): Promise<string | undefined> {
  if (devFailed) {
    write(`\n▶ promote (dev failed: ${devFailed} step(s) failed, so nothing is promoted)\n`);
    demo.block('promote', 'dev failed, and a dev failure blocks the promotion');
    return 'dev failed, so no digest was promoted for this environment to test';
  }
  write(`\n▶ promote (dev passed: the same digest goes to the test environments)\n`);
  if (await demo.play('promote')) return 'the promotion failed, so there is no digest to test';
  return undefined;
}
