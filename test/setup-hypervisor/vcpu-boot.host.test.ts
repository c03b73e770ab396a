import { describe, expect } from '@jest/globals';
import { chmodSync, chownSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { probeDevice } from '../../actions/setup-hypervisor/probe.js';
import { bootAccelerator, BOOT_MARKER } from '../../actions/setup-hypervisor/verify.js';
import { findExecutable } from '../../shared/exec.js';
import { errors } from '../support/harness.js';
import { requireTools } from '../support/tools.js';
import {
  NOBODY,
  hostFacts,
  itAsRoot,
  itUnless,
  kvmHost,
  mknod,
  probeAsNobody,
  run,
  runWithDeps,
  tmp,
  tmpForNobody,
} from './support.js';

requireTools('python3', 'qemu-system-x86_64', 'unshare');

// The probe's vCPU run, `verify: boot` and the grants a root job makes for its runner users,
// on this host's real KVM (where it works) and real QEMU. A KVM that cannot run a guest is
// stood for by the probe running a guest that jumps to memory no slot backs: KVM stops it
// with the emulation failure a broken host shows for every guest.
const host = await hostFacts();
const kvm = await probeDevice('kvm', '/dev/kvm');
const BROKEN_GUEST = 'ea00000020'; // jmp 0x2000:0000, outside the 64 KiB the probe maps
const noKvm = kvm.usable ? undefined : `no working /dev/kvm here (${kvm.error})`;
const REAL_QEMU = findExecutable('qemu-system-x86_64', process.env.PATH ?? '')!;
const mode = (file: string) => (statSync(file).mode & 0o7777).toString(8).padStart(4, '0');

describe('the probe runs a vCPU', () => {
  itUnless(noKvm, 'on the real /dev/kvm: the test guest writes to its port and halts', async () => {
    expect(kvm).toEqual({
      kind: 'kvm',
      device: '/dev/kvm',
      usable: true,
      apiVersion: 12,
      vcpu: 'ran',
    });
  });

  itUnless(noKvm, 'a guest KVM cannot run is an unusable KVM, with the exit it made', async () => {
    const p = await probeDevice('kvm', '/dev/kvm', { guest: BROKEN_GUEST });
    expect(p).toMatchObject({
      usable: false,
      failedStep: 'guest',
      error:
        'ran a vCPU that stopped the test guest with KVM_EXIT_INTERNAL_ERROR (suberror 1: emulation failure)',
    });
  });

  it('a probe that cannot run (no python3) is not a verdict on KVM', async () => {
    const p = await probeDevice('kvm', '/dev/kvm', { env: { PATH: tmp() } });
    expect(p).toMatchObject({
      usable: false,
      failedStep: 'run',
      error:
        'the probe could not run: python3 is not installed or not on PATH (the probe runs through it)',
    });
    expect(p.code).toBeUndefined();
  });
});

describe('a KVM whose vCPU cannot run falls back like an absent one', () => {
  itUnless(noKvm, 'auto ends on emulation, saying what failed', async () => {
    const r = await runWithDeps(
      { kvmTestGuest: BROKEN_GUEST, udevRulesDir: tmp() },
      { workspace: tmp(), inputs: { 'mshv-device': path.join(tmp(), 'mshv') } },
    );
    expect(errors(r)).toEqual([]);
    expect(r.outputs).toMatchObject({ hypervisor: 'emulation', accelerator: 'tcg' });
    expect(r.summary).toContain(
      '/dev/kvm ran a vCPU that stopped the test guest with KVM_EXIT_INTERNAL_ERROR (suberror 1: emulation failure)',
    );
  });

  itUnless(
    noKvm,
    'mode kvm fails with the exit and the fix, unless fallback: emulation',
    async () => {
      const inputs = { mode: 'kvm', verify: 'false' };
      const failed = await runWithDeps(
        { kvmTestGuest: BROKEN_GUEST, udevRulesDir: tmp() },
        { workspace: tmp(), inputs },
      );
      expect(failed.exitCode).toBe(1);
      expect(errors(failed)).toEqual([
        'input "mode": kvm is not available: /dev/kvm ran a vCPU that stopped the test guest with KVM_EXIT_INTERNAL_ERROR (suberror 1: emulation failure); fix: this host\'s KVM creates VMs but cannot run a guest\'s vCPU (often a nested or restricted hypervisor): use a runner whose KVM runs guests; or set fallback: emulation to run under QEMU emulation (TCG)',
      ]);
      const fell = await runWithDeps(
        { kvmTestGuest: BROKEN_GUEST, udevRulesDir: tmp() },
        { workspace: tmp(), inputs: { ...inputs, fallback: 'emulation' } },
      );
      expect(fell.exitCode).toBe(0);
      expect(fell.outputs).toMatchObject({ hypervisor: 'emulation', emulation: 'true' });
    },
  );

  it('a kvm-device that opens but is not KVM (/dev/null): verify: boot runs under TCG', async () => {
    const r = await run('setup-hypervisor', {
      workspace: tmp(),
      inputs: { mode: 'kvm', fallback: 'emulation', 'kvm-device': '/dev/null', verify: 'boot' },
    });
    expect(errors(r)).toEqual([]);
    expect(r.outputs).toMatchObject({ hypervisor: 'emulation', accelerator: 'tcg' });
    expect(r.summary).toMatch(/\/dev\/null does not answer KVM_GET_API_VERSION: ENOTTY/);
    expect(r.summary).toMatch(
      /\| QEMU boot check \| ok: qemu-system-x86_64 -accel tcg booted the test guest in /,
    );
  });
});

describe('verify: boot', () => {
  it('boots the test guest under TCG and reads its marker', async () => {
    const v = await bootAccelerator('tcg');
    expect(v).toMatchObject({ ok: true, how: 'boot' });
    expect(v.detail).toMatch(/^qemu-system-x86_64 -accel tcg booted the test guest in \d/);
  });

  itUnless(noKvm, 'boots it on the real /dev/kvm through the bundle', async () => {
    const r = await run('setup-hypervisor', {
      workspace: tmp(),
      inputs: { mode: 'kvm', verify: 'boot', 'device-access': 'false' },
    });
    expect(errors(r)).toEqual([]);
    expect(r.outputs).toMatchObject({ hypervisor: 'kvm', accelerator: 'kvm', device: '/dev/kvm' });
    expect(r.summary).toMatch(/\| QEMU boot check \| ok: qemu-system-x86_64 -accel kvm booted /);
  });

  it('fails when the guest never prints the marker in time', async () => {
    // A KVM that halts nothing in time is judged by the same rule: a short limit stands for it.
    const v = await bootAccelerator('tcg', { timeoutMs: 1 });
    expect(v.ok).toBe(false);
    expect(v.detail).toMatch(/could not boot the test guest: it did not finish within 0.001 s/);
    expect(v.detail).not.toContain(BOOT_MARKER);
  });

  itAsRoot(host, 'uses kvm-device, not /dev/kvm: a node that is not KVM fails it', async () => {
    const v = await bootAccelerator('kvm', { device: '/dev/null' });
    expect(v).toMatchObject({ ok: false, how: 'boot' });
    expect(v.detail).toMatch(
      /^qemu-system-x86_64 -accel kvm on \/dev\/null could not boot the test guest: .*failed to initialize kvm: Inappropriate ioctl/,
    );
  });

  itAsRoot(
    host,
    'a device QEMU cannot be pointed at is "not checked", never a failure',
    async () => {
      // The mount over /dev/kvm fails, as it does in a container without CAP_SYS_ADMIN: QEMU
      // never ran, so nothing is known of the accelerator.
      const v = await bootAccelerator('kvm', { device: path.join(tmp(), 'kvm') });
      expect(v).toMatchObject({ ok: true, skipped: true, how: 'boot' });
      expect(v.detail).toMatch(
        /^QEMU could not be pointed at .*\(mount: .*\): not checked, the device probe stands$/,
      );
    },
  );

  itAsRoot(
    host,
    `uses kvm-device: a KVM node made by hand boots it (${kvmHost(host)})`,
    async () => {
      const node = mknod(path.join(tmp(), 'kvm'), 10, 232, '0600');
      const v = await bootAccelerator('kvm', { device: node });
      expect(v.ok).toBe(host.kvm?.usable === true);
      if (v.ok) expect(v.detail).toMatch(new RegExp(`-accel kvm on ${node} booted the test guest`));
    },
  );
});

describe('as root, for the runner users', () => {
  itAsRoot(
    host,
    `opens a 0600 KVM node to the workspace's owner (nobody) (${kvmHost(host)})`,
    async () => {
      const node = mknod(path.join(tmpForNobody(), 'kvm'), 10, 232, '0600');
      const ws = tmpForNobody('shv-ws-');
      chownSync(ws, NOBODY.uid, NOBODY.gid);
      const rules = tmp();
      expect(await probeAsNobody('kvm', node)).toMatchObject({ code: 'EACCES' });
      const r = await runWithDeps(
        { udevRulesDir: rules, workspace: ws },
        { workspace: ws, inputs: { mode: 'kvm', 'kvm-device': node, verify: 'false' } },
      );
      if (!host.kvm?.usable) {
        // Root's own probe fails first: there is nothing to open to anyone.
        expect(r.exitCode).toBe(1);
        expect(mode(node)).toBe('0600');
        return;
      }
      expect(errors(r)).toEqual([]);
      expect(r.summary).toContain('| runner users | nobody (owner of the workspace) |');
      expect(r.summary).toContain(`| device access ${node} for nobody | wrote `);
      expect(mode(node)).toBe('0666');
      expect(readdirSync(rules)).toEqual(['99-virt-ci-kvm.rules']);
      expect(await probeAsNobody('kvm', node)).toMatchObject({ usable: true, vcpu: 'ran' });
    },
  );

  itUnless(
    host.notRoot ?? noKvm,
    'opens the real /dev/kvm to SUDO_USER (nobody), and the test puts its mode back',
    async () => {
      const before = mode('/dev/kvm');
      try {
        const r = await runWithDeps(
          { udevRulesDir: tmp() },
          {
            workspace: tmp(),
            env: { SUDO_USER: 'nobody' },
            inputs: { mode: 'kvm', verify: 'false' },
          },
        );
        expect(errors(r)).toEqual([]);
        expect(r.summary).toContain('| runner users | nobody (SUDO_USER) |');
        expect(await probeAsNobody('kvm', '/dev/kvm')).toMatchObject({ usable: true });
      } finally {
        chmodSync('/dev/kvm', parseInt(before, 8));
      }
      expect(mode('/dev/kvm')).toBe(before);
    },
  );

  // The one stand-in here: a qemu-system-x86_64 first on PATH that runs the real QEMU, with a
  // CPU model no QEMU has when the accelerator is kvm, so that the real QEMU refuses the
  // device the probe accepted. Nothing else makes a working KVM fail QEMU's check on demand.
  itUnless(
    host.notRoot ?? (host.kvm?.usable ? undefined : kvmHost(host)),
    'a device that fails the QEMU check gets back the mode it had, and the job falls back',
    async () => {
      const node = mknod(path.join(tmpForNobody(), 'kvm'), 10, 232, '0600');
      const bin = tmp();
      const qemu = path.join(bin, 'qemu-system-x86_64');
      writeFileSync(
        qemu,
        `#!/bin/sh\ncase " $* " in *" -accel kvm "*) exec ${REAL_QEMU} "$@" -cpu virt-ci-no-such-cpu;; esac\nexec ${REAL_QEMU} "$@"\n`,
      );
      chmodSync(qemu, 0o755);
      const rules = tmp();
      const r = await runWithDeps(
        { udevRulesDir: rules },
        {
          workspace: tmp(),
          env: { SUDO_USER: 'nobody', PATH: `${bin}:${process.env.PATH ?? ''}` },
          inputs: { mode: 'kvm', 'kvm-device': node, fallback: 'emulation', verify: 'boot' },
        },
      );
      expect(errors(r)).toEqual([]);
      expect(r.outputs).toMatchObject({ hypervisor: 'emulation', accelerator: 'tcg' });
      expect(r.summary).toMatch(/fails the QEMU check: .*could not boot the test guest/);
      expect(r.summary).toContain(`chmod 0666 ${node} (was 0600); undone: the QEMU check failed`);
      expect(mode(node)).toBe('0600');
      expect(readdirSync(rules)).toEqual([]);
    },
  );
});
