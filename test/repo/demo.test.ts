import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { runDemo } from '../../bin/demo/pipeline.js';
import { probeDevice, type DeviceProbe } from '../../actions/setup-hypervisor/probe.js';
import { findNode24 } from '../../shared/harness/runner.js';
import { repoRoot } from '../support/harness.js';

const node = findNode24(repoRoot);
const suite = path.join(repoRoot, 'bin', 'demo', 'suite');
const ENVIRONMENTS = ['dev', 'test-kvm', 'test-emulation', 'test-mshv'];
const KUBECTL_INSTALL =
  'install: sudo apt-get install -y kubectl, from the Kubernetes apt repository (https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/)';
const QEMU_INSTALL = /install: sudo apt-get install -y qemu-system-\S+ qemu-utils/;

// What a machine with nothing but Node, npm, git, python3 and the coreutils has: no perl,
// no kubectl, no QEMU.
const BARE_TOOLS = [
  ...['node', 'npm', 'npx', 'git', 'python3', 'sh'],
  ...['basename', 'cat', 'chmod', 'cp', 'cut', 'date', 'dirname', 'echo', 'env', 'false'],
  ...['head', 'id', 'ln', 'ls', 'mkdir', 'mktemp', 'mv', 'printf', 'pwd', 'readlink'],
  ...['realpath', 'rm', 'rmdir', 'sleep', 'sort', 'stat', 'tail', 'tee', 'test', 'touch'],
  ...['tr', 'true', 'uname', 'uniq', 'wc'],
];

function which(tool: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    try {
      accessSync(path.join(dir, tool), constants.X_OK);
      return path.join(dir, tool);
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/**
 * The interpreter itself, as a fresh machine has it in /usr/bin: a version manager's shim on
 * this PATH is a script that needs the manager, which a fresh machine does not have.
 */
function realPython(): string | undefined {
  const python = which('python3');
  if (!python) return undefined;
  const r = spawnSync(python, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** The demo's step lines by mark: ✔ ran, ✘ failed, – skipped. */
function stepLines(out: string, mark: string): string[] {
  return out.split('\n').filter((l) => l.startsWith(`  ${mark} `));
}

/** The lines of one ▶ section: an environment, the promotion or the dashboard. */
function section(out: string, name: string): string[] {
  const start = out.split('\n').findIndex((l) => l.startsWith(`▶ ${name}`));
  expect(start).toBeGreaterThanOrEqual(0);
  const rest = out.split('\n').slice(start + 1);
  const end = rest.findIndex((l) => l === '');
  return rest.slice(0, end < 0 ? undefined : end);
}

/** The counts line is the last one, and what it says is what the step lines show. */
function expectTrueCounts(out: string): { ran: number; failed: number; skipped: number } {
  const last = out.trimEnd().split('\n').at(-1) ?? '';
  const m = /^(\d+) step\(s\) ran, (\d+) failed, (\d+) skipped$/.exec(last);
  expect(m).not.toBeNull();
  const [ran, failed, skipped] = m!.slice(1).map(Number);
  expect(ran).toBe(stepLines(out, '✔').length + stepLines(out, '✘').length);
  expect(failed).toBe(stepLines(out, '✘').length);
  expect(skipped).toBe(stepLines(out, '–').length);
  return { ran, failed, skipped };
}

describe('npm run demo on a machine with nothing but Node, npm and the coreutils', () => {
  let dir: string;
  let r: ReturnType<typeof spawnSync>;
  let out: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'demo-bare-'));
    const bin = path.join(dir, 'bin');
    mkdirSync(bin);
    for (const tool of BARE_TOOLS) {
      const found =
        tool === 'node' ? process.execPath : tool === 'python3' ? realPython() : which(tool);
      if (found) symlinkSync(found, path.join(bin, tool));
    }
    r = spawnSync(
      path.join(bin, 'node'),
      [path.join(repoRoot, 'dist', 'cli', 'index.js'), 'demo'],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        env: { ...process.env, PATH: bin },
        timeout: 240_000,
      },
    );
    out = String(r.stdout);
  }, 240_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('plays every environment, the promotion and the dashboard, and exits 0 with nothing failed', () => {
    for (const env of ENVIRONMENTS) expect(out).toContain(`▶ ${env}`);
    expect(out).toContain('▶ promote (dev passed');
    expect(stepLines(section(out, 'promote').join('\n'), '✔')).toHaveLength(1);
    expect(stepLines(section(out, 'dashboard').join('\n'), '✔')).toHaveLength(1);
    expect(out).not.toContain('✘');
    expect(r.status).toBe(0);
  });

  it('skips the overlay step in each environment, saying why and how to install kubectl', () => {
    const skipped = stepLines(out, '–');
    expect(skipped).toHaveLength(ENVIRONMENTS.length);
    for (const env of ENVIRONMENTS) {
      const line = section(out, env).find((l) => l.startsWith('  – '));
      expect(line).toMatch(/^ {2}– toggle-feature-gate +skipped: /);
      expect(line).toContain('kubectl kustomize, and kubectl is not on PATH');
      expect(line).toContain(KUBECTL_INSTALL);
    }
  });

  // What the demo should say depends on this machine: asked the way the demo asks, with the
  // same bare PATH (python3 runs the device probe; a machine without it cannot check).
  it('says what setup-hypervisor found on this machine, and why the QEMU check was skipped', async () => {
    const env = { ...process.env, PATH: path.join(dir, 'bin') };
    const kvm = await probeDevice('kvm', '/dev/kvm', { env });
    const mshv = await probeDevice('mshv', '/dev/mshv', { env });
    const unchecked = (p: DeviceProbe) => p.failedStep === 'run';
    for (const name of ENVIRONMENTS) {
      const line = section(out, name).find((l) => l.startsWith('  ✔ setup-hypervisor'))!;
      expect(line).toContain('QEMU check skipped: qemu-system-');
      expect(line).toMatch(QEMU_INSTALL);
      const probes =
        name === 'dev'
          ? [mshv, kvm]
          : name === 'test-kvm'
            ? [kvm]
            : name === 'test-mshv'
              ? [mshv]
              : [];
      const got =
        probes.some(unchecked) || !probes.some((p) => p.usable)
          ? 'emulation (tcg)'
          : 'kvm (kvm on /dev/kvm)';
      expect(line).toContain(`-> ${got}`);
      if (probes.some(unchecked)) {
        expect(line).toContain('could not be checked (the probe could not run');
        expect(line).not.toContain('not here');
      } else if (name === 'test-kvm' && !kvm.usable) {
        expect(line).toContain(`kvm not here (/dev/kvm: ${kvm.code ?? kvm.error})`);
      } else if (name === 'test-mshv') {
        expect(line).toContain('mshv not here (/dev/mshv: ENOENT)');
      }
    }
  });

  it('names each test skipped for an absent tool, with the reason the test gave', () => {
    const kvm = section(out, 'test-kvm');
    expect(kvm).toContainEqual(
      expect.stringMatching(
        /^ {4}○ skipped "e2e qemu-img writes a qcow2 disk and reads it back": qemu-img not on PATH; install: sudo apt-get install -y qemu-system-\S+ qemu-utils$/,
      ),
    );
    expect(kvm).toContainEqual(
      expect.stringMatching(
        /^ {4}○ skipped "e2e QEMU offers the accelerator the job got": qemu-system-x86_64 not on PATH; install: /,
      ),
    );
    const dev = section(out, 'dev');
    expect(dev).toContain(
      `    ○ skipped "L1HV the KubeVirt CR enables HyperVL1VH exactly where the environment asks for it @l1hv-new": kubectl not on PATH; ${KUBECTL_INSTALL}`,
    );
    expect(dev.find((l) => l.startsWith('  ✔ publish-junit'))).toContain(
      '2 tests, 1 passed, 0 failed, 1 skipped',
    );
  });

  it('ends with true counts: every step ran or was skipped, none failed', () => {
    const { ran, failed, skipped } = expectTrueCounts(out);
    expect(failed).toBe(0);
    expect(skipped).toBe(ENVIRONMENTS.length);
    expect(ran + skipped).toBe(ENVIRONMENTS.length * 5 + 2);
  });
});

describe('the demo when dev fails', () => {
  let dir: string;
  let out = '';
  let code: number;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'demo-dev-fails-'));
    const broken = path.join(dir, 'broken.spec.mjs');
    writeFileSync(
      broken,
      `// A change that breaks the new feature: dev's one new test fails.\n` +
        `import assert from 'node:assert/strict';\n` +
        `describe('L1HV', () => {\n` +
        `  it('the change under test keeps HyperVL1VH working @l1hv-new', () => assert.fail('broken on purpose'));\n` +
        `});\n`,
    );
    code = await runDemo({ write: (s) => (out += s), suite: broken });
  }, 240_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fails the dev step that failed, says dev failed and exits non-zero', () => {
    expect(section(out, 'dev')).toContainEqual(
      expect.stringMatching(/^ {2}✘ run the selected tests \(mocha\) +.*; 1 test\(s\) failed$/),
    );
    expect(out).toContain('▶ promote (dev failed: ');
    expect(out).not.toContain('dev passed');
    expect(code).not.toBe(0);
  });

  it('promotes nothing and skips every test environment because dev failed', () => {
    expect(section(out, 'promote')).toEqual([
      expect.stringMatching(/^ {2}– Promote the dev image by digest +skipped: dev failed/),
    ]);
    for (const env of ENVIRONMENTS.slice(1)) {
      const lines = section(out, env);
      expect(lines).toHaveLength(5);
      for (const l of lines)
        expect(l).toMatch(/^ {2}– .* skipped: dev failed, so no digest was promoted/);
    }
  });

  it('still publishes the dashboard of what ran, with true counts', () => {
    const [dashboard] = section(out, 'dashboard');
    expect(dashboard).toMatch(
      /^ {2}✔ publish-junit \(dashboard\) +1 tests, 0 passed, 1 failed, .*; dev 0%$/,
    );
    const { skipped } = expectTrueCounts(out);
    expect(skipped).toBeGreaterThanOrEqual(1 + 3 * 5);
  });
});

describe('the demo suite', () => {
  it("runs a real suite whose inventory lists exactly the suite's tests", () => {
    const r = spawnSync(
      node,
      [
        path.join(repoRoot, 'node_modules', 'mocha', 'bin', 'mocha.js'),
        '--dry-run',
        '--reporter',
        'json',
        path.join(suite, 'l1hv.spec.mjs'),
      ],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    const titles = (JSON.parse(r.stdout) as { tests: Array<{ fullTitle: string }> }).tests.map(
      (t) => t.fullTitle,
    );
    const inventory = parseYaml(readFileSync(path.join(suite, 'inventory.yaml'), 'utf8')) as {
      tests: Array<{ id: string; labels: string[] }>;
    };
    expect(inventory.tests.map((t) => t.id).sort()).toEqual(titles.sort());
    for (const t of inventory.tests) {
      expect(t.labels.map((l) => `@${l}`).sort()).toEqual((t.id.match(/@[\w-]+/g) ?? []).sort());
    }
  });
});
