import { describe, expect, it } from '@jest/globals';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { errors, repoRoot } from '../support/harness.js';
import { run, tmp } from './support.js';
import { requireTools } from '../support/tools.js';

requireTools('python3', 'qemu-system-x86_64');

// The committed bundle, run the way the runner runs it. Device paths point where the test
// says, so every path is real on a machine without KVM or MSHV; they name no device node (or
// /dev/null, which opens), so device access has nothing to fix and writes no udev rule.
const seedProfile = readFileSync(path.join(repoRoot, '.github', 'virt-ci.yaml'), 'utf8');

function workspace(profile = seedProfile): string {
  const dir = tmp('shv-ws-');
  mkdirSync(path.join(dir, '.github'));
  writeFileSync(path.join(dir, '.github', 'virt-ci.yaml'), profile);
  return dir;
}

function setup(inputs: Record<string, string>, ws = workspace()) {
  const dir = tmp();
  return run('setup-hypervisor', {
    workspace: ws,
    inputs: {
      'kvm-device': path.join(dir, 'kvm'),
      'mshv-device': path.join(dir, 'mshv'),
      ...inputs,
    },
  });
}

describe('setup-hypervisor bundle', () => {
  it('auto with no device ends on emulation, verified, without a warning', async () => {
    const r = await setup({});
    expect(errors(r)).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toEqual({
      hypervisor: 'emulation',
      accelerator: 'tcg',
      emulation: 'true',
      device: '',
      nested: 'unknown',
      'qemu-version': expect.stringMatching(/^\d+\.\d+/),
      'libvirt-uri': '',
      'cache-hit': 'false',
    });
    expect(r.env).toEqual({ VIRT_CI_HYPERVISOR: 'emulation', VIRT_CI_ACCELERATOR: 'tcg' });
    expect(r.annotations.filter((a) => a.level === 'warning')).toEqual([]);
    expect(r.summary).toContain('| emulation | tcg | — | unknown | auto |');
    expect(r.summary).toMatch(/\| QEMU check \| ok: qemu-system-x86_64 started with -accel tcg/);
    expect(r.summary).toMatch(/kvm \| cannot be opened read-write: ENOENT/);
  });

  it('test-emulation from the profile: emulation and the profile env map exported', async () => {
    const r = await setup({ environment: 'test-emulation' });
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({ hypervisor: 'emulation', emulation: 'true' });
    expect(r.env).toEqual({
      KUBEVIRT_EMULATION: 'true',
      VIRT_CI_HYPERVISOR: 'emulation',
      VIRT_CI_ACCELERATOR: 'tcg',
    });
    // emulation asked for: no device is probed at all
    expect(r.summary).not.toMatch(/ENOENT/);
  });

  it('test-kvm without KVM fails with one line: device, error and fix', async () => {
    const dir = tmp();
    const device = path.join(dir, 'kvm');
    const r = await run('setup-hypervisor', {
      workspace: workspace(),
      inputs: { environment: 'test-kvm', 'kvm-device': device },
    });
    expect(r.exitCode).toBe(1);
    expect(errors(r)).toEqual([
      `input "mode": kvm is not available: ${device} cannot be opened read-write: ENOENT (the device node does not exist); fix: run on a runner with hardware virtualization (GitHub's Linux x64 larger and standard runners have /dev/kvm), load the kvm_intel or kvm_amd module, or point kvm-device at the right device; or set fallback: emulation to run under QEMU emulation (TCG)`,
    ]);
    expect(r.outputs).toEqual({});
    expect(r.summary).toMatch(/\*\*Failed:\*\* input "mode": kvm is not available/);
    expect(r.stdout + r.stderr).not.toMatch(/^\s+at /m);
  });

  it('test-kvm with fallback: emulation given explicitly falls back with a warning', async () => {
    const r = await setup({ environment: 'test-kvm', fallback: 'emulation' });
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({ hypervisor: 'emulation', accelerator: 'tcg' });
    const warnings = r.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
    expect(warnings).toEqual([
      expect.stringMatching(/^fell back to emulation: .*kvm cannot be opened read-write: ENOENT/),
    ]);
  });

  it('a fallback in the profile is used when the input is not given', async () => {
    const profile = seedProfile.replace(
      '    hypervisor: mshv\n',
      '    hypervisor: mshv\n    fallback: emulation\n',
    );
    const r = await setup({ environment: 'test-mshv' }, workspace(profile));
    expect(r.exitCode).toBe(0);
    expect(r.outputs.hypervisor).toBe('emulation');
  });

  it('test-mshv pointed at a device that is not MSHV fails naming the device and ENOTTY', async () => {
    const r = await setup({ environment: 'test-mshv', 'mshv-device': '/dev/null' });
    expect(r.exitCode).toBe(1);
    expect(errors(r)).toEqual([
      'input "mode": mshv is not available: /dev/null refused to create a partition: ENOTTY (not a KVM/MSHV device: inappropriate ioctl); fix: mshv-device must name the MSHV character device (default /dev/mshv); or set fallback: emulation to run under QEMU emulation (TCG)',
    ]);
  });

  it('an explicit mode wins over the profile', async () => {
    const r = await setup({ environment: 'test-kvm', mode: 'emulation' });
    expect(r.exitCode).toBe(0);
    expect(r.outputs.hypervisor).toBe('emulation');
  });

  it('rejects bad inputs with one line naming the input and what is allowed', async () => {
    const bad = await setup({ mode: 'xen' });
    expect(errors(bad)).toEqual([
      'input "mode": "xen" is not allowed; allowed: auto | kvm | mshv | emulation',
    ]);
    const pkg = await setup({ packages: 'qemu-utils, Bad;Name' });
    expect(errors(pkg)).toEqual([
      'input "packages": "Bad;Name" is not a Debian package name; allowed: names like qemu-utils (optionally :arch or =version), or the word libvirt',
    ]);
    const verify = await setup({ verify: 'maybe' });
    expect(errors(verify)).toEqual([
      'input "verify": "maybe" is not allowed; allowed: true | false | boot',
    ]);
  });

  it('verify: false skips the QEMU check', async () => {
    const r = await setup({ mode: 'emulation', verify: 'false' });
    expect(r.exitCode).toBe(0);
    expect(r.summary).not.toContain('QEMU check');
  });

  describe('on a host without QEMU (PATH holds only python3, for the probe)', () => {
    const noQemu = () => {
      const bin = path.join(tmp(), 'bin');
      mkdirSync(bin);
      symlinkSync('/usr/bin/python3', path.join(bin, 'python3'));
      return { PATH: bin };
    };

    it('skips the QEMU check by default and reports no QEMU version', async () => {
      const r = await run('setup-hypervisor', {
        workspace: tmp(),
        inputs: { mode: 'emulation' },
        env: noQemu(),
      });
      expect(errors(r)).toEqual([]);
      expect(r.outputs).toMatchObject({ hypervisor: 'emulation', 'qemu-version': '' });
      expect(r.summary).not.toContain('QEMU check');
    });

    it('fails verify: true with what to install', async () => {
      const r = await run('setup-hypervisor', {
        workspace: tmp(),
        inputs: { mode: 'emulation', verify: 'true' },
        env: noQemu(),
      });
      expect(errors(r)).toEqual([
        'input "verify": qemu-system-x86_64 is not installed; add libvirt (or qemu-system-x86) to packages, or set verify: false',
      ]);
    });
  });
});
