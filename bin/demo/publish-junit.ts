import type { RunResult } from '../../shared/harness/runner.js';
import { junitFile } from './run-tests.js';
import type { DemoPlan, DemoStep } from './types.js';

/**
 * publish-junit's part in the pipeline demo: each environment publishes the JUnit its
 * mocha run just wrote, with a results file; the dashboard step reads those files back into
 * one table of pass rate per environment.
 */
function line(r: RunResult): string {
  const o = r.outputs;
  return `${o.total} tests, ${o.passed} passed, ${o.failed} failed, ${o.skipped} skipped, ${o.flaky} flaky — ${o['pass-rate']}% pass rate (${o.conclusion})`;
}

export const publishJunitDemo: DemoPlan = (stage, ctx): DemoStep | undefined => {
  if (stage === 'environment' && ctx.environment) {
    const env = ctx.environment.name;
    return {
      action: 'publish-junit',
      title: 'publish-junit',
      // This environment's report only: the demo's environments share one workspace, where
      // a runner would give each job its own.
      inputs: {
        environment: env,
        name: env,
        paths: junitFile(env),
        output: `_out/results/${env}.json`,
        'check-run': 'false',
      },
      describe: line,
    };
  }
  if (stage === 'dashboard') {
    return {
      action: 'publish-junit',
      title: 'publish-junit (dashboard)',
      // As the pipeline's dashboard job: it publishes what ran, and judges nothing itself.
      inputs: {
        aggregate: '_out/results/*.json',
        name: 'L1HV e2e',
        'check-run': 'false',
        'require-tests': 'false',
        'fail-on': 'none',
      },
      describe: (r) => {
        const perEnv = r.summary
          .split('\n')
          .filter((l) => /^\| \[?(dev|test-)/.test(l))
          .map((l) => l.split('|').map((c) => c.trim()))
          .map((c) => `${c[1].replace(/^\[([^\]]+)\].*$/, '$1')} ${c[3]}`);
        return `${line(r)}; ${perEnv.join(', ')}`;
      },
    };
  }
  return undefined;
};
