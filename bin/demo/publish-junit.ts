import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RunResult } from '../../shared/harness/runner.js';
import type { DemoContext, DemoPlan, DemoStep } from './types.js';

/**
 * publish-junit's part in the seed pipeline demo: each environment's e2e run leaves a JUnit
 * report (Ginkgo style, labels in the names), published with a results file; the dashboard
 * step reads those files back into one table of pass rate per environment.
 */
const SUITE = 'Tests Suite';

interface Spec {
  name: string;
  labels: string;
  outcome: 'passed' | 'failed-then-passed' | 'skipped';
  time: number;
}

const SPECS: Spec[] = [
  {
    name: 'L1HV a VMI boots with the L1 hypervisor',
    labels: 'l1hv-new',
    outcome: 'passed',
    time: 41.2,
  },
  { name: 'L1HV nested guest reaches Running', labels: 'l1hv-new', outcome: 'passed', time: 63.9 },
  { name: 'VM live migrates', labels: 'sig-compute, Serial', outcome: 'passed', time: 88.1 },
  {
    name: 'VM restarts after a node drain',
    labels: 'sig-compute',
    outcome: 'failed-then-passed',
    time: 35.4,
  },
  { name: 'Hyper-V enlightenments are exposed', labels: 'mshv', outcome: 'passed', time: 12.7 },
  { name: 'virtio-net passes traffic', labels: 'sig-network', outcome: 'passed', time: 9.3 },
];

/** Which specs an environment runs, after its label filter (kept simple for the demo). */
function selected(env: string): Spec[] {
  switch (env) {
    case 'dev':
      return SPECS.filter((s) => s.labels.includes('l1hv-new'));
    case 'test-kvm':
      return SPECS.filter((s) => !s.labels.includes('l1hv-new') && !s.labels.includes('mshv'));
    case 'test-mshv':
      // No MSHV host in the demo: its own specs are skipped, which the dashboard shows.
      return SPECS.map((s) =>
        s.labels.includes('mshv') ? { ...s, outcome: 'skipped', time: 0 } : s,
      );
    default:
      return SPECS;
  }
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

function report(env: string): string {
  const cases: string[] = [];
  for (const s of selected(env)) {
    const name = esc(`[It] [sig-compute] ${s.name} [${s.labels}]`);
    const open = `<testcase name="${name}" classname="${SUITE}" time="${s.time}"`;
    if (s.outcome === 'skipped')
      cases.push(`${open}><skipped message="no /dev/mshv on this runner"/></testcase>`);
    else if (s.outcome === 'failed-then-passed') {
      // Ginkgo with --flake-attempts=2 reports the failed attempt, then the passing one.
      cases.push(
        `${open}><failure message="Timed out after 30s: VMI not Running" type="failed">[FAILED] Timed out after 30s&#10;In [It] at: tests/vm_drain_test.go:88</failure></testcase>`,
      );
      cases.push(`${open}/>`);
    } else cases.push(`${open}/>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n<testsuite name="${SUITE}" package="tests">\n${cases.join('\n')}\n</testsuite>\n</testsuites>\n`;
}

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
      // The profile's junit glob (_out/artifacts/junit/*.xml) finds the report.
      inputs: { environment: env, output: `_out/results/${env}.json`, 'check-run': 'false' },
      async prepare(c: DemoContext) {
        const dir = path.join(c.workspace, '_out', 'artifacts', 'junit');
        mkdirSync(dir, { recursive: true });
        writeFileSync(path.join(dir, 'junit.functest.xml'), report(env));
      },
      describe: line,
    };
  }
  if (stage === 'dashboard') {
    return {
      action: 'publish-junit',
      title: 'publish-junit (dashboard)',
      inputs: { aggregate: '_out/results/*.json', name: 'L1HV e2e', 'check-run': 'false' },
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
