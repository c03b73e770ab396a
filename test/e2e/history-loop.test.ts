import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DirectoryStore } from '../../shared/history/directory-store.js';
import { run } from '../support/harness.js';
import { FakeGitHub } from '../publish-junit/github-server.js';
import { startCacheService, type CacheService } from '../setup-hypervisor/cache-service.js';

/**
 * The test-history loop through the bundles, the way a workflow runs it: each simulated run
 * has a fresh workspace (as a runner gives), publish-junit reads the environment's history,
 * tells the failures apart and adds the run; with `history: cache` the runs meet only through
 * a local stand-in of the Actions cache service, with a folder only through that folder.
 * Two environments of the pipeline's profile run side by side and never see each other's runs.
 */
type Outcome = 'pass' | 'fail' | 'flaky';

const PROFILE = `version: 1
defaults:
  flake:
    budget: 0.5%
    threshold: 2 in 100
    expiry: 14d
environments:
  test-kvm:
    hypervisor: kvm
  test-emulation:
    hypervisor: emulation
`;

/** Ginkgo-style JUnit: the spec text is the name, reruns are repeated cases (SuiteSucceeded). */
function report(tests: Record<string, Outcome>): string {
  const cases = Object.entries(tests).flatMap(([name, o]) => {
    const pass = `<testcase name="[It] ${name}" classname="KubeVirt e2e" status="passed" time="1.5"></testcase>`;
    const fail = `<testcase name="[It] ${name}" classname="KubeVirt e2e" status="failed" time="2"><failure message="timed out" type="failed">VMI did not start</failure></testcase>`;
    return o === 'pass' ? [pass] : o === 'fail' ? [fail] : [fail, pass];
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites><testsuite name="KubeVirt e2e" package="/ws/tests"><properties><property name="SuiteSucceeded" value="false"></property></properties>${cases.join('')}</testsuite></testsuites>`;
}

interface SimRun {
  id: string;
  attempt?: number;
  sha: string;
  tests: Record<string, Outcome>;
}

function workspace(tests: Record<string, Outcome>): string {
  const ws = mkdtempSync(path.join(os.tmpdir(), 'history-loop-'));
  mkdirSync(path.join(ws, '.github'));
  writeFileSync(path.join(ws, '.github', 'virt-ci.yaml'), PROFILE);
  mkdirSync(path.join(ws, 'junit'));
  writeFileSync(path.join(ws, 'junit', 'e2e.xml'), report(tests));
  return ws;
}

async function publish(
  env: string,
  r: SimRun,
  history: (ws: string) => string,
  extraEnv: Record<string, string> = {},
  job: { name?: string; token?: string } = {},
) {
  const ws = workspace(r.tests);
  const res = await run('publish-junit', {
    workspace: ws,
    token: job.token,
    inputs: {
      environment: env,
      paths: 'junit/*.xml',
      'check-run': 'false',
      'fail-on': 'none',
      history: history(ws),
      ...(job.name ? { name: job.name } : {}),
    },
    env: {
      GITHUB_RUN_ID: r.id,
      GITHUB_RUN_ATTEMPT: String(r.attempt ?? 1),
      GITHUB_SHA: r.sha.padEnd(40, '0'),
      ...extraEnv,
    },
  });
  expect(res.stderr).toBe('');
  expect(res.exitCode).toBe(0);
  return res;
}

const list = (s: string | undefined) => JSON.parse(s ?? 'null') as string[];

/** The runs, and what each must say given the ones before it. */
const RUNS: SimRun[] = [
  {
    id: '11',
    sha: 'a1',
    tests: { boots: 'pass', migrates: 'pass', snapshots: 'pass', hotplugs: 'fail' },
  },
  // A new commit: "migrates" starts failing (passed on main before): a new failure.
  {
    id: '12',
    sha: 'a2',
    tests: { boots: 'pass', migrates: 'fail', snapshots: 'flaky', hotplugs: 'fail' },
  },
  // The same commit re-run: "migrates" passes now — its failure on a2 was a flake.
  {
    id: '12',
    attempt: 2,
    sha: 'a2',
    tests: { boots: 'pass', migrates: 'pass', snapshots: 'pass', hotplugs: 'fail' },
  },
  // A new commit: "snapshots" flakes again (its second flaky run: over "2 in 100"); "hotplugs"
  // recovers after three failing runs.
  {
    id: '13',
    sha: 'a3',
    tests: { boots: 'pass', migrates: 'pass', snapshots: 'flaky', hotplugs: 'pass' },
  },
];

async function scenario(history: (ws: string) => string, extraEnv: Record<string, string> = {}) {
  const out = [];
  for (const r of RUNS) {
    const kvm = await publish('test-kvm', r, history, extraEnv);
    // The other environment runs the same commits with every test passing.
    const emu = await publish(
      'test-emulation',
      { ...r, tests: Object.fromEntries(Object.keys(r.tests).map((t) => [t, 'pass' as const])) },
      history,
      extraEnv,
    );
    out.push({ kvm, emu });
  }
  const [first, second, rerun, last] = out.map((o) => o.kvm);
  expect(first.summary).toContain('📈 History of test-kvm: 0 earlier run(s)');
  expect(first.outputs['new-failures']).toBe('[]');
  expect(list(second.outputs['new-failures'])).toEqual(['KubeVirt e2e.[It] migrates']);
  expect(list(second.outputs['known-flaky'])).toEqual(['KubeVirt e2e.[It] snapshots']);
  expect(second.summary).toContain('🆕 New failures: passed on the default branch before');
  expect(rerun.outputs['new-failures']).toBe('[]');
  expect(rerun.summary).toMatch(
    /🧱 Persistent failures\*\*\n\n- KubeVirt e2e\.&#91;It&#93; hotplugs: failing for 3 runs, since a100000/,
  );
  expect(last.summary).toMatch(
    /🩹 Fixed: failed in the run before\*\*\n\n- KubeVirt e2e\.&#91;It&#93; hotplugs/,
  );
  expect(last.summary).toMatch(
    /🚧 Over the flake threshold \(2 in 100\)[^\n]*\n\n- KubeVirt e2e\.&#91;It&#93; snapshots: flaky in 2 of its last 4 runs/,
  );
  // Flaky runs over test runs, 4 runs × 4 tests: snapshots twice, migrates once (on a2).
  expect(Number(last.outputs['flake-rate'])).toBeCloseTo(3 / 16, 6);
  expect(last.summary).toContain('⚠️ over budget');
  // The emulation environment never saw a failure of test-kvm.
  const emuLast = out[3].emu;
  expect(emuLast.summary).toContain('📈 History of test-emulation: 3 earlier run(s)');
  expect(emuLast.outputs['flake-rate']).toBe('0');
  expect(emuLast.outputs['known-flaky']).toBe('[]');
  return out;
}

describe('test history through the bundles', () => {
  it('with a history folder kept between runs', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'history-dir-'));
    await scenario(() => dir);
    const runs = (await new DirectoryStore(dir).read({ environment: 'test-kvm' })).runs;
    expect(runs.map((r) => `${r.runId}.${r.runAttempt}:${r.sha.slice(0, 2)}`)).toEqual([
      '13.1:a3',
      '12.2:a2',
      '12.1:a2',
      '11.1:a1',
    ]);
  });

  describe('with the Actions cache', () => {
    let service: CacheService;
    beforeAll(async () => {
      service = await startCacheService();
    });
    afterAll(() => service.close());

    it('saves one entry per run and environment and restores the newest', async () => {
      const out = await scenario(() => 'cache', service.env);
      const keys = [...service.entries.keys()];
      expect(keys.filter((k) => k.includes('~test-kvm~JUnit_test-kvm~'))).toHaveLength(4);
      expect(keys.filter((k) => k.includes('~test-emulation~JUnit_test-emulation~'))).toHaveLength(
        4,
      );
      expect(keys.every((k) => k.startsWith('virt-ci-history-v1~octo-org_octo-repo~ci~'))).toBe(
        true,
      );
      expect(out[0].kvm.annotations.map((a) => a.message)).toContainEqual(
        expect.stringMatching(/^history: no entry for virt-ci-history-v1~.*~test-kvm~\* yet$/),
      );
    });

    it('keeps the runs of two jobs of one environment that finish at once', async () => {
      const gh = await new FakeGitHub().start();
      try {
        gh.caches = () =>
          [...service.entries.values()].filter((e) => e.finalized).map((e) => e.key);
        // A repository of its own: no other test's entries share its keys.
        const own = {
          ...service.env,
          GITHUB_API_URL: gh.url,
          GITHUB_REPOSITORY: 'octo-org/shards',
        };
        const shard = (n: number, tests: Record<string, Outcome>, token?: string) =>
          publish('test-emulation', { id: '50', sha: 'e1', tests }, () => 'cache', own, {
            name: `e2e shard ${n}`,
            token,
          });
        // Both restore before either saves: neither entry holds the other's run.
        await Promise.all([shard(1, { one: 'pass' }), shard(2, { two: 'fail' })]);
        const later: SimRun = { id: '51', sha: 'e2', tests: { one: 'pass', two: 'pass' } };
        // A job that may list the caches (a token with actions: read) restores every job's
        // newest entry: both shards' runs.
        const listed = await publish('test-emulation', later, () => 'cache', own, {
          name: 'e2e all',
          token: 'ghs_test',
        });
        expect(listed.summary).toContain(`📈 History of test-emulation: 2 earlier run(s)`);
        expect(listed.summary).toMatch(
          /🩹 Fixed: failed in the run before\*\*\n\n- KubeVirt e2e\.&#91;It&#93; two/,
        );
        expect(gh.requests.map((q) => `${q.method} ${q.path.split('?')[0]}`)).toContain(
          'GET /repos/octo-org/shards/actions/caches',
        );
        // Without a token, a new job restores the environment's newest entry only: the listing
        // job's, which holds both shards' runs and its own.
        const alone = await publish('test-emulation', { ...later, id: '52' }, () => 'cache', own, {
          name: 'e2e other',
        });
        expect(alone.summary).toContain(`📈 History of test-emulation: 3 earlier run(s)`);
        expect(gh.violations).toEqual([]);
      } finally {
        await gh.stop();
      }
    });

    it('publishes the results with a warning when the cache service fails', async () => {
      const res = await publish(
        'test-kvm',
        { id: '99', sha: 'f1', tests: { boots: 'pass' } },
        () => 'cache',
        { ...service.env, ACTIONS_RESULTS_URL: 'http://127.0.0.1:9/' },
      );
      expect(res.outputs.total).toBe('1');
      // One line each, from the step: not the cache library's paragraph.
      expect(res.annotations.map((a) => `${a.level}: ${a.message}`)).toEqual([
        expect.stringMatching(
          /^warning: history: the cache could not be read \(Failed to restore: .*ECONNREFUSED\)$/,
        ),
        expect.stringMatching(
          /^warning: history: this run was not recorded \(the cache did not save virt-ci-history-v1~.*~test-kvm~JUnit_test-kvm~99-1-[0-9a-f]{8}(: Failed to save: [^\n]*)?\)$/,
        ),
      ]);
    });
  });
});
