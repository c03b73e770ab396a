import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseFileCommands } from '../../shared/harness/commands.js';
import { repoRoot, run } from '../support/harness.js';
import { requireTools } from '../support/tools.js';

requireTools('jq');

/**
 * The reusable workflow's own shell steps, run with bash the way the runner runs `run:` steps,
 * fed with what the real select-tests bundle outputs for the L1HV example profile.
 */
interface Step {
  id?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
}
interface Job {
  'runs-on': string;
  strategy?: { matrix?: unknown };
  outputs?: Record<string, string>;
  steps: Step[];
}
const pipelineText = readFileSync(
  path.join(repoRoot, '.github', 'workflows', 'pipeline.yml'),
  'utf8',
);
const pipeline = parseYaml(pipelineText) as { jobs: Record<string, Job> };
const profile = readFileSync(
  path.join(repoRoot, 'examples', 'l1hv-kubevirt', 'virt-ci.yaml'),
  'utf8',
);

function workspace(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pipeline-'));
  mkdirSync(path.join(dir, '.github'));
  writeFileSync(path.join(dir, '.github', 'virt-ci.yaml'), profile);
  return dir;
}

/** A `run:` step as the runner runs it: `bash -e {0}` with the step's env. */
function bashStep(script: string, env: Record<string, string>, cwd: string) {
  const file = path.join(cwd, 'step.sh');
  writeFileSync(file, script);
  return spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
}

describe('.github/workflows/pipeline.yml', () => {
  it.each(['dev', 'test'])(
    "%s job: the documented test-command gets select-tests' arguments as whole words",
    async (jobName) => {
      const ws = workspace();
      const select = await run('select-tests', {
        workspace: ws,
        inputs: { environment: 'test-kvm', runner: 'ginkgo' },
      });
      expect(select.exitCode).toBe(0);
      // A stand-in ginkgo that prints each argument it got on its own line.
      const bin = path.join(ws, 'bin');
      mkdirSync(bin);
      writeFileSync(path.join(bin, 'ginkgo'), '#!/bin/sh\nprintf "%s\\n" "$@"\n');
      chmodSync(path.join(bin, 'ginkgo'), 0o755);
      // The usage the workflow's header documents.
      const documented = /^#\s+test-command: (.*)$/m.exec(pipelineText)?.[1];
      expect(documented).toBeDefined();

      const step = pipeline.jobs[jobName].steps.find((s) => s.env?.VIRT_CI_ARGS !== undefined);
      expect(step?.run).toBeDefined();
      const r = bashStep(
        step!.run!,
        {
          TEST_COMMAND: documented!,
          VIRT_CI_ARGS: select.outputs.args,
          PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
        },
        ws,
      );
      expect(r.stderr).toBe('');
      expect(r.stdout.split('\n').filter(Boolean)).toEqual([
        '--label-filter=!l1hv-new && !mshv',
        '--junit-report=_out/artifacts/junit/junit.e2e.xml',
        './tests/...',
      ]);
    },
  );

  it('tests the promoted digest in every environment but dev, each on its own runner', async () => {
    const ws = workspace();
    const select = await run('select-tests', { workspace: ws, inputs: { matrix: 'true' } });
    expect(select.exitCode).toBe(0);

    const promote = pipeline.jobs.promote;
    expect(promote.outputs?.matrix).toBe('${{ steps.matrix.outputs.matrix }}');
    const step = promote.steps.find((s) => s.id === 'matrix');
    const fromSelect = promote.steps.find((s) => s.uses?.includes('/actions/select-tests@'));
    let matrix = select.outputs.matrix;
    if (step?.run) {
      // The step that narrows select-tests' matrix, fed with select-tests' real output.
      const outputFile = path.join(ws, 'github-output');
      writeFileSync(outputFile, '');
      const env = Object.fromEntries(
        Object.entries(step.env ?? {}).map(([k, v]) => [
          k,
          v === `\${{ steps.${fromSelect?.id}.outputs.matrix }}`
            ? select.outputs.matrix
            : v === '${{ inputs.dev-environment }}'
              ? 'dev'
              : v === '${{ inputs.unavailable-hypervisor }}'
                ? 'fail'
                : v,
        ]),
      );
      const r = bashStep(step.run, { ...env, GITHUB_OUTPUT: outputFile }, ws);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      matrix = parseFileCommands(readFileSync(outputFile, 'utf8')).matrix;
    }
    const include = (JSON.parse(matrix) as { include: Array<Record<string, string>> }).include;
    expect(include.map((e) => e.environment)).toEqual([
      'test-kvm',
      'test-emulation',
      'test-mshv',
      'test-mshv-upstream',
    ]);
    // test-mshv asks for its own runner in the profile; the job must use it.
    expect(include.find((e) => e.environment === 'test-mshv')?.['runs-on']).toBeDefined();
    expect(pipeline.jobs.test['runs-on']).toMatch(/^\$\{\{\s*matrix\.runs-on\s*\|\|/);
  });
});

describe('.github/workflows/pipeline.yml: registries and unavailable hypervisors', () => {
  const stepOf = (job: string, id: string) => {
    const step = pipeline.jobs[job].steps.find((s) => s.id === id);
    if (!step?.run) throw new Error(`pipeline.yml: no run step ${id} in job ${job}`);
    return step.run;
  };
  const outputsOf = (script: string, env: Record<string, string>) => {
    const ws = mkdtempSync(path.join(os.tmpdir(), 'pipeline-step-'));
    const outputFile = path.join(ws, 'github-output');
    writeFileSync(outputFile, '');
    const r = bashStep(script, { ...env, GITHUB_OUTPUT: outputFile }, ws);
    return { ...r, outputs: parseFileCommands(readFileSync(outputFile, 'utf8')) };
  };

  it.each([
    ['ghcr.io/org/operator', 'ghcr.io'],
    ['quay.io/kubevirt/virt-operator', 'quay.io'],
    ['registry.lab:5000/team/app', 'registry.lab:5000'],
    ['localhost/app', 'localhost'],
    ['library/ubuntu', ''],
    ['operator', ''],
  ])('logs in to the registry of %s: %j (empty: Docker Hub)', (image, host) => {
    for (const job of ['build', 'promote']) {
      const r = outputsOf(stepOf(job, 'registry'), { IMAGE: image });
      expect(r.status).toBe(0);
      expect(r.outputs.host).toBe(host);
    }
    const login = pipeline.jobs.build.steps.find((s) => s.uses?.startsWith('docker/login-action@'));
    expect((login as { with?: Record<string, string> }).with?.registry).toBe(
      '${{ steps.registry.outputs.host }}',
    );
  });

  // The repository's own profile: test-mshv names no runner of its own.
  const ownProfile = readFileSync(path.join(repoRoot, '.github', 'virt-ci.yaml'), 'utf8');
  const matrixFor = async (policy: string) => {
    const ws = mkdtempSync(path.join(os.tmpdir(), 'pipeline-'));
    mkdirSync(path.join(ws, '.github'));
    writeFileSync(path.join(ws, '.github', 'virt-ci.yaml'), ownProfile);
    const select = await run('select-tests', { workspace: ws, inputs: { matrix: 'true' } });
    expect(select.exitCode).toBe(0);
    return outputsOf(stepOf('promote', 'matrix'), {
      MATRIX: select.outputs.matrix,
      DEV_ENVIRONMENT: 'dev',
      POLICY: policy,
    });
  };

  it('marks an MSHV environment with no runner of its own to fail with the reason, by default', async () => {
    expect(
      (
        pipeline as unknown as {
          on: { workflow_call: { inputs: Record<string, { default: string }> } };
        }
      ).on.workflow_call.inputs['unavailable-hypervisor'].default,
    ).toBe('fail');
    const r = await matrixFor('fail');
    expect(r.status).toBe(0);
    const include = (JSON.parse(r.outputs.matrix) as { include: Array<Record<string, unknown>> })
      .include;
    expect(include.map((e) => [e.environment, e.unavailable ?? false])).toEqual([
      ['test-kvm', false],
      ['test-emulation', false],
      ['test-mshv', true],
    ]);
    expect(r.outputs.count).toBe('3');
    const guard = pipeline.jobs.test.steps[0] as Step & { if?: string };
    expect(guard.if).toBe('matrix.unavailable');
    const failed = bashStep(guard.run ?? '', { ENVIRONMENT: 'test-mshv' }, os.tmpdir());
    expect(failed.status).toBe(1);
    expect(failed.stdout).toContain('::error::test-mshv needs an MSHV runner and names none');
  });

  it('leaves it out with a notice under unavailable-hypervisor: skip, and refuses other words', async () => {
    const r = await matrixFor('skip');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('::notice::test-mshv left out: it needs an MSHV runner');
    const include = (JSON.parse(r.outputs.matrix) as { include: Array<Record<string, unknown>> })
      .include;
    expect(include.map((e) => e.environment)).toEqual(['test-kvm', 'test-emulation']);
    expect(r.outputs.count).toBe('2');
    const bad = await matrixFor('ignore');
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('input unavailable-hypervisor: "ignore" is not allowed');
  });
});

describe('examples/l1hv-kubevirt/workflow.yml', () => {
  const example = parseYaml(
    readFileSync(path.join(repoRoot, 'examples', 'l1hv-kubevirt', 'workflow.yml'), 'utf8'),
  ) as { jobs: Record<string, Job> };

  it('runs dev once, then each other environment on a runner label GitHub can match', async () => {
    const ws = workspace();
    const select = await run('select-tests', { workspace: ws, inputs: { matrix: 'true' } });
    expect(select.exitCode).toBe(0);
    const promote = example.jobs.promote;
    expect(promote.outputs?.matrix).toBe('${{ steps.matrix.outputs.matrix }}');
    const step = promote.steps.find((s) => s.id === 'matrix');
    let matrix = select.outputs.matrix;
    if (step?.run) {
      const outputFile = path.join(ws, 'github-output');
      writeFileSync(outputFile, '');
      const r = bashStep(
        step.run,
        { MATRIX: select.outputs.matrix, GITHUB_OUTPUT: outputFile },
        ws,
      );
      expect(r.stderr).toBe('');
      matrix = parseFileCommands(readFileSync(outputFile, 'utf8')).matrix;
    }
    const include = (JSON.parse(matrix) as { include: Array<Record<string, string>> }).include;
    expect(include.map((e) => e.environment)).not.toContain('dev');
    expect(include.map((e) => e.environment)).toContain('test-mshv');
    // runs-on: ${{ matrix.runs-on }} is one label: a string like "[a, b]" is no list there.
    expect(example.jobs.test['runs-on']).toBe('${{ matrix.runs-on }}');
    for (const e of include) expect(e['runs-on']).toMatch(/^[A-Za-z0-9_.-]+$/);
  });
});
