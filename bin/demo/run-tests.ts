import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { INSTALL } from './tools.js';
import type { DemoPlan } from './types.js';

export const SUITE_DIR = 'bin/demo/suite';
export const SUITE_FILE = 'l1hv.spec.mjs';
export const junitFile = (env: string) => `_out/artifacts/junit/junit.${env}.xml`;
const skipsFile = (env: string) => `_out/artifacts/skipped/${env}.jsonl`;

interface Skipped {
  test: string;
  reason: string;
  /** The tools the test needed that are not on PATH. */
  tools?: string[];
}

/** mocha records no reason for a skip, so each skipped test wrote its own: one line each. */
function skippedTests(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Skipped)
    .map((s) => {
      const install = [...new Set((s.tools ?? []).map((t) => INSTALL[t]).filter(Boolean))];
      return `○ skipped ${JSON.stringify(s.test)}: ${s.reason}${install.length ? `; install: ${install.join('; ')}` : ''}`;
    });
}

/**
 * The tests themselves: mocha runs the demo's small real suite with the arguments
 * select-tests chose, in the job's environment (what setup-hypervisor exported), and writes
 * JUnit through mocha-junit-reporter for publish-junit to read. A test that fails fails the
 * step, as the pipeline's test step does.
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
      const skips = path.join(c.workspace, skipsFile(environment.name));
      mkdirSync(path.dirname(report), { recursive: true });
      mkdirSync(path.dirname(skips), { recursive: true });
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
          c.suite,
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
            VIRT_CI_DEMO_SKIPS: skips,
          },
        },
      );
      if (r.error) return { ok: false, line: `mocha did not start: ${r.error.message}` };
      const details = skippedTests(skips);
      // With a reporter writing to a file, mocha prints only what stopped it; otherwise its
      // exit status is the number of failed tests.
      const stopped = r.stderr.trim().split('\n').at(-1);
      const failed =
        r.status === 0
          ? ''
          : stopped
            ? `; mocha: ${stopped}`
            : `; ${r.status ?? r.signal} test(s) failed`;
      const skipped = details.length ? `; ${details.length} skipped` : '';
      return {
        ok: r.status === 0,
        line: `${args.length ? `mocha ${args.join(' ').slice(0, 60)}…` : 'mocha (all tests)'} -> ${junitFile(environment.name)}${failed}${skipped}`,
        details,
      };
    },
  };
};
