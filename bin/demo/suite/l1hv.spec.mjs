// The demo's small real e2e suite (the L1HV pipeline's): run with mocha in each environment, on the tests
// select-tests chose for it. Each test checks something the pipeline really did in that
// environment: the gates kubectl kustomize renders, the hypervisor setup-hypervisor exported,
// a disk qemu-img really writes. Labels are @tags in the titles, mocha's convention, and
// inventory.yaml beside this file lists the same tests with the same labels for select-tests.
// A test whose tool is not installed here skips, and says why.
/* global describe, it */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  accessSync,
  appendFileSync,
  constants,
  existsSync,
  mkdtempSync,
  rmSync,
  statSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

const env = process.env;
const ACCEL = { kvm: 'kvm', mshv: 'mshv', emulation: 'tcg' };

function onPath(tool) {
  return (env.PATH ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .some((dir) => {
      try {
        accessSync(path.join(dir, tool), constants.X_OK);
        return statSync(path.join(dir, tool)).isFile();
      } catch {
        return false;
      }
    });
}

/**
 * mocha's skip takes no reason, so the test writes its own where the demo reads it
 * (VIRT_CI_DEMO_SKIPS, one JSON line each), or prints it when mocha runs the suite directly.
 */
function skip(context, reason, tools = []) {
  const record = { test: context.test.fullTitle(), reason, tools };
  if (env.VIRT_CI_DEMO_SKIPS) appendFileSync(env.VIRT_CI_DEMO_SKIPS, `${JSON.stringify(record)}\n`);
  else console.log(`skipped ${JSON.stringify(record.test)}: ${reason}`);
  context.skip();
}

/** Skip unless every tool the test spawns is on PATH, the way the spawn looks for it. */
function needs(context, ...tools) {
  const absent = tools.filter((t) => !onPath(t));
  if (absent.length) skip(context, `${absent.join(' and ')} not on PATH`, absent);
}

function renderedKubeVirt() {
  const out = execFileSync('kubectl', ['kustomize', env.VIRT_CI_DEMO_OVERLAY], {
    encoding: 'utf8',
  });
  const kv = parseAllDocuments(out)
    .map((d) => d.toJS())
    .find((o) => o?.kind === 'KubeVirt');
  assert.ok(kv, 'the overlay renders a KubeVirt CR');
  return kv.spec?.configuration?.developerConfiguration ?? {};
}

describe('L1HV', () => {
  it('the KubeVirt CR enables HyperVL1VH exactly where the environment asks for it @l1hv-new', function () {
    needs(this, 'kubectl');
    const gates = renderedKubeVirt().featureGates ?? [];
    assert.equal(gates.includes('HyperVL1VH'), env.VIRT_CI_DEMO_L1HV === 'true');
  });

  it('a VM falls back to QEMU when /dev/mshv is unavailable @l1hv-new', function () {
    if (existsSync('/dev/mshv')) skip(this, '/dev/mshv exists: this host does not fall back');
    assert.notEqual(env.VIRT_CI_HYPERVISOR, 'mshv');
    assert.ok(
      ['kvm', 'emulation'].includes(env.VIRT_CI_HYPERVISOR),
      `got ${env.VIRT_CI_HYPERVISOR}`,
    );
  });
});

describe('MSHV', () => {
  it('the job runs on the Hyper-V stack @mshv', function () {
    // Without an MSHV host the environment fell back to emulation: say so, don't fake it.
    if (env.VIRT_CI_HYPERVISOR !== 'mshv')
      skip(this, `no MSHV here: the job got ${env.VIRT_CI_HYPERVISOR ?? 'no hypervisor'}`);
    assert.ok(existsSync('/dev/mshv'));
  });
});

describe('e2e', () => {
  it('qemu-img writes a qcow2 disk and reads it back', function () {
    needs(this, 'qemu-img');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'virt-ci-demo-disk-'));
    try {
      const disk = path.join(dir, 'vm.qcow2');
      execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '64M']);
      const info = JSON.parse(
        execFileSync('qemu-img', ['info', '--output=json', disk], { encoding: 'utf8' }),
      );
      assert.equal(info.format, 'qcow2');
      assert.equal(info['virtual-size'], 64 * 1024 * 1024);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('QEMU offers the accelerator the job got', function () {
    needs(this, 'qemu-system-x86_64');
    const accel = ACCEL[env.VIRT_CI_HYPERVISOR];
    assert.ok(accel, `VIRT_CI_HYPERVISOR is ${env.VIRT_CI_HYPERVISOR}`);
    const offered = execFileSync('qemu-system-x86_64', ['-accel', 'help'], { encoding: 'utf8' });
    assert.match(offered, new RegExp(`^${accel}$`, 'm'));
  });

  it('the KubeVirt CR asks for emulation exactly in the emulation environment', function () {
    needs(this, 'kubectl');
    const emulationEnv = env.VIRT_CI_DEMO_MODE === 'emulation';
    assert.equal(renderedKubeVirt().useEmulation === true, emulationEnv);
    assert.equal(env.KUBEVIRT_EMULATION === 'true', emulationEnv);
  });
});
