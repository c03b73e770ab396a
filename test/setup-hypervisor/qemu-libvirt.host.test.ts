import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { exec } from '../../shared/exec.js';
import { domainType, LIBVIRT_URI } from '../../actions/setup-hypervisor/libvirt.js';
import { probeDevice } from '../../actions/setup-hypervisor/probe.js';
import { qemuVersion, verifyAccelerator } from '../../actions/setup-hypervisor/verify.js';
import { errors } from '../support/harness.js';
import { NOBODY, hostFacts, itAsRoot, itUnless, run, tmp, tmpForNobody } from './support.js';
import { requireTools } from '../support/tools.js';

requireTools('qemu-system-x86_64', 'virsh', 'libvirtd');

// Real QEMU and a real libvirt daemon (qemu-system-x86, libvirt-daemon-system,
// libvirt-clients). The daemons this file starts are stopped by their pid files in afterAll;
// ones that were already running are left alone. Starting and stopping them takes root.
const host = await hostFacts();
const PID_FILES = ['/run/libvirtd.pid', '/run/virtlogd.pid', '/run/virtqemud.pid'];
const running = (f: string) => existsSync(f);
// Where the step keeps the configuration of a daemon it starts; removed after, if it was new.
const CONFIG_DIR = '/run/virt-ci';
let preexisting: string[] = [];
let configDirWasThere = true;

beforeAll(() => {
  preexisting = PID_FILES.filter(running);
  configDirWasThere = existsSync(CONFIG_DIR);
});

afterAll(async () => {
  if (!configDirWasThere) rmSync(CONFIG_DIR, { recursive: true, force: true });
  for (const f of PID_FILES.filter((p) => running(p) && !preexisting.includes(p))) {
    const pid = Number(readFileSync(f, 'utf8').trim());
    if (pid > 1) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  }
});

describe('verifyAccelerator (real QEMU)', () => {
  it('proves TCG by starting QEMU on it and asking QMP', async () => {
    const v = await verifyAccelerator('tcg');
    expect(v).toEqual({
      ok: true,
      detail: 'qemu-system-x86_64 started with -accel tcg; query-kvm: enabled=false',
      how: 'qmp',
    });
  });

  it('proves KVM only where KVM really works, with QEMU saying why not', async () => {
    const kvm = await probeDevice('kvm', '/dev/kvm');
    const v = await verifyAccelerator('kvm');
    expect(v.ok).toBe(kvm.usable);
    if (!kvm.usable) {
      expect(v.detail).toMatch(/^qemu-system-x86_64 -accel kvm did not start: .*kvm/i);
    }
  });

  it('says when this QEMU cannot check mshv, without failing the device probe', async () => {
    const help = await exec('qemu-system-x86_64', ['-accel', 'help']);
    const v = await verifyAccelerator('mshv');
    if (!/^mshv$/m.test(help.stdout)) {
      expect(v).toEqual({
        ok: true,
        skipped: true,
        detail:
          'qemu-system-x86_64 has no mshv accelerator (QEMU 10.2 or later has): the device probe stands',
      });
    } else {
      expect(v.ok).toBe((await probeDevice('mshv', '/dev/mshv')).usable);
    }
  });

  it('reads the QEMU version', async () => {
    expect(await qemuVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('start-libvirt through the bundle (real libvirtd)', () => {
  // Only a daemon this step starts runs with the step's configuration; one already running
  // keeps its own, and the runner user gets in or not by that.
  const SOCKETS = ['/run/libvirt/libvirt-sock', '/run/libvirt/virtqemud-sock'];
  const alreadyRunning = SOCKETS.find((s) => existsSync(s));
  itUnless(
    host.notRoot ??
      (alreadyRunning ? `a libvirt is already listening on ${alreadyRunning}` : undefined),
    'as root, starts a libvirt the runner user (SUDO_USER nobody) reaches without polkit: virsh as nobody answers',
    async () => {
      const r = await run('setup-hypervisor', {
        workspace: tmp(),
        inputs: { mode: 'emulation', 'start-libvirt': 'true' },
        env: { SUDO_USER: 'nobody' },
      });
      expect(errors(r)).toEqual([]);
      expect(r.summary).toContain('| runner users | nobody (SUDO_USER) |');
      expect(r.summary).toMatch(
        /\| libvirt \| virtlogd -d; libvirtd -d -f \/run\/virt-ci\/libvirt\/libvirtd\.conf; libvirtd: unix sockets without polkit, read-write for group nogroup \(0770\)/,
      );
      const asNobody = await exec(
        'setpriv',
        [
          `--reuid=${NOBODY.uid}`,
          `--regid=${NOBODY.gid}`,
          '--init-groups',
          '--',
          'virsh',
          '-c',
          LIBVIRT_URI,
          'version',
        ],
        { env: { ...process.env, HOME: tmpForNobody() }, allowFailure: true },
      );
      expect(asNobody.stderr).toBe('');
      expect(asNobody.stdout).toMatch(/Running hypervisor: QEMU/);
      // Any other user, not in nobody's group, is still kept out.
      const other = await exec(
        'setpriv',
        ['--reuid=1', '--regid=1', '--clear-groups', '--', 'virsh', '-c', LIBVIRT_URI, 'version'],
        { env: { ...process.env, HOME: tmpForNobody() }, allowFailure: true },
      );
      expect(other.code).not.toBe(0);
      expect(other.stderr).toMatch(/Permission denied/);
    },
  );

  itAsRoot(
    host,
    'starts libvirt, reports the URI and confirms the domain type for TCG',
    async () => {
      const r = await run('setup-hypervisor', {
        workspace: tmp(),
        // emulation probes no device: no udev rule is written.
        inputs: { mode: 'emulation', 'start-libvirt': 'true' },
      });
      expect(errors(r)).toEqual([]);
      expect(r.exitCode).toBe(0);
      expect(r.outputs).toMatchObject({
        hypervisor: 'emulation',
        accelerator: 'tcg',
        'libvirt-uri': 'qemu:///system',
      });
      expect(r.env.LIBVIRT_DEFAULT_URI).toBe('qemu:///system');
      expect(r.summary).toContain('| virsh domcapabilities | domain type qemu |');
      const v = await exec('virsh', ['-c', LIBVIRT_URI, 'version']);
      expect(v.stdout).toMatch(/Running hypervisor: QEMU/);
    },
  );

  itAsRoot(host, 'a second run finds libvirt already running and starts nothing', async () => {
    const r = await run('setup-hypervisor', {
      workspace: tmp(),
      inputs: { mode: 'emulation', 'start-libvirt': 'true' },
    });
    expect(r.exitCode).toBe(0);
    expect(r.summary).toMatch(/\| libvirt \| already running \|/);
  });

  itAsRoot(
    host,
    'domcapabilities refuses KVM where KVM does not work, and offers it where it does',
    async () => {
      const kvm = await probeDevice('kvm', '/dev/kvm');
      const d = await domainType('kvm');
      if (kvm.usable) expect(d.type).toBe('kvm');
      else expect(d.error).toMatch(/kvm.*not supported/i);
    },
  );
});
