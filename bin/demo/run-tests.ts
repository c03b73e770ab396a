import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { DemoPlan } from './types.js';

export const SUITE_DIR = 'bin/demo/suite';
export const junitFile = (env: string) => `_out/artifacts/junit/junit.${env}.xml`;

/**
 * The tests themselves: mocha runs the demo's small real suite with the arguments
 * select-tests chose, in the job's environment (what setup-hypervisor exported), and writes
 * JUnit through mocha-junit-reporter for publish-junit to read.
 */
export const runTestsDemo: DemoPlan = (stage, ctx) => {
  if (stage !== 'environment' || !ctx.environment) return undefined;
  const environment = ctx.environment;
  return {
    title: 'run the selected tests (mocha)',
    inputs: {},
    async local(c, jobEnv) {
      const args =
        (c.shared.get(`select-tests:args:${environment.name}`) as string[] | undefined) ?? [];
      const report = path.join(c.workspace, junitFile(environment.name));
      mkdirSync(path.dirname(report), { recursive: true });
      const mocha = path.join(c.repoRoot, 'node_modules', 'mocha', 'bin', 'mocha.js');
      const r = spawnSync(
        process.execPath,
        [
          mocha,
          '--reporter',
          'mocha-junit-reporter',
          '--reporter-options',
          `mochaFile=${report},testsuitesTitle=${environment.name},includePending=true`,
          ...args,
          path.join(c.repoRoot, SUITE_DIR, 'l1hv.spec.mjs'),
        ],
        {
          cwd: c.workspace,
          encoding: 'utf8',
          env: {
            ...process.env,
            ...jobEnv,
            VIRT_CI_DEMO_OVERLAY: path.join(c.workspace, 'deploy', environment.name),
            VIRT_CI_DEMO_L1HV: String(environment.gates.values.HyperVL1VH ?? false),
            VIRT_CI_DEMO_MODE: environment.hypervisor ?? 'auto',
          },
        },
      );
      if (r.error) return { ok: false, line: `mocha did not start: ${r.error.message}` };
      const failed = r.status !== 0;
      return {
        ok: true,
        line: `${args.length ? `mocha ${args.join(' ').slice(0, 60)}…` : 'mocha (all tests)'} -> ${junitFile(environment.name)}${failed ? ' (some tests failed)' : ''}`,
      };
    },
  };
};
