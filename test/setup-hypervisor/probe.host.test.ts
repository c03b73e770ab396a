import { describe, expect, it } from '@jest/globals';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { probeDevice } from '../../actions/setup-hypervisor/probe.js';
import {
  hostFacts,
  itAsRoot,
  itUnless,
  kvmHost,
  mknod,
  probeAsNobody,
  tmp,
  tmpForNobody,
} from './support.js';
import { requireTools } from '../support/tools.js';

requireTools('python3');

// Every probe here runs the real Python ioctl probe against real files and device nodes.
const host = await hostFacts();

/** The kernel's list of registered misc drivers (minor → name), or undefined where unreadable. */
function miscDrivers(): Map<number, string> | undefined {
  try {
    const lines = readFileSync('/proc/misc', 'utf8').trim().split('\n');
    return new Map(lines.map((l) => l.trim().split(/\s+/)).map(([n, name]) => [Number(n), name]));
  } catch {
    return undefined;
  }
}
const misc = miscDrivers();
const kvmRegistered = misc?.get(232) === 'kvm';

describe('probeDevice (KVM)', () => {
  it('reports a missing device as ENOENT at open', async () => {
    const p = await probeDevice('kvm', path.join(tmp(), 'kvm'));
    expect(p).toMatchObject({ usable: false, failedStep: 'open', code: 'ENOENT' });
    expect(p.error).toBe('cannot be opened read-write: ENOENT (the device node does not exist)');
  });

  it('reports a device that is not KVM (/dev/null) as ENOTTY at KVM_GET_API_VERSION', async () => {
    const p = await probeDevice('kvm', '/dev/null');
    expect(p).toMatchObject({ usable: false, failedStep: 'api', code: 'ENOTTY' });
    expect(p.error).toMatch(/^does not answer KVM_GET_API_VERSION: ENOTTY/);
  });

  it('reports a regular file as ENOTTY too: it opens, but answers no ioctl', async () => {
    const file = path.join(tmp(), 'kvm');
    writeFileSync(file, '');
    chmodSync(file, 0o600);
    expect(await probeDevice('kvm', file)).toMatchObject({ failedStep: 'api', code: 'ENOTTY' });
  });

  it('reports a directory as EISDIR', async () => {
    const dir = path.join(tmp(), 'kvm');
    mkdirSync(dir);
    expect(await probeDevice('kvm', dir)).toMatchObject({ failedStep: 'open', code: 'EISDIR' });
  });

  // The witness is the kernel's own list, not the probe: the probe is what is on trial here.
  const miscTitle = `reports a KVM node made by hand (10,232) as the kernel's misc list says (${
    kvmRegistered ? 'kvm registered: it opens and answers API 12' : 'no kvm registered: ENODEV'
  })`;
  itUnless(
    host.notRoot ?? (misc ? undefined : '/proc/misc cannot be read here'),
    miscTitle,
    async () => {
      const p = await probeDevice('kvm', mknod(path.join(tmp(), 'kvm'), 10, 232, '0600'));
      if (kvmRegistered && p.failedStep === 'open') {
        // A device cgroup refuses the node before the driver sees it: a container without it.
        expect(p).toMatchObject({ usable: false, code: 'EPERM' });
      } else if (kvmRegistered) {
        expect(p).toMatchObject({ apiVersion: 12 });
        // Registered, the driver may still refuse a VM, or a vCPU, or fail to run the guest.
        if (!p.usable) expect(['create', 'vcpu', 'guest']).toContain(p.failedStep);
        else expect(p.vcpu).toBe('ran');
      } else {
        expect(p).toMatchObject({ usable: false, failedStep: 'open', code: 'ENODEV' });
      }
      // The other test files judge the host by the same kind of node.
      expect(p).toEqual({ ...host.kvm, device: p.device });
    },
  );

  itAsRoot(
    host,
    'reports a device the runner user cannot open as EACCES (judged as nobody via setpriv)',
    async () => {
      const dir = tmpForNobody();
      const node = mknod(path.join(dir, 'kvm'), 1, 3, '0600');
      const asRoot = await probeDevice('kvm', node);
      const asNobody = await probeAsNobody('kvm', node);
      expect(asRoot).toMatchObject({ failedStep: 'api', code: 'ENOTTY' });
      expect(asNobody).toMatchObject({ usable: false, failedStep: 'open', code: 'EACCES' });
      expect(asNobody.error).toBe('cannot be opened read-write: EACCES (permission denied)');
    },
  );

  // The real /dev/kvm: what the probe must say follows from the node that is there (stat) and
  // from what this host's KVM driver answered for a node made by hand.
  const real = (() => {
    try {
      const st = statSync('/dev/kvm');
      const major = Math.floor(st.rdev / 256) & 0xfff;
      const minor = (st.rdev & 0xff) | (Math.floor(st.rdev / 4096) & 0xfff00);
      return { char: st.isCharacterDevice(), major, minor };
    } catch {
      return undefined;
    }
  })();
  const isKvmNode = real?.char && real.major === 10 && real.minor === 232;
  const unregisteredMisc =
    real?.char && real.major === 10 && misc !== undefined && !misc.has(real.minor);
  const expectation = !real
    ? 'absent here: ENOENT'
    : isKvmNode
      ? `KVM's node 10,232; ${kvmHost(host)}`
      : unregisteredMisc
        ? `misc 10,${real.minor}, which no driver registered: ENODEV`
        : `not KVM's node: not usable`;
  itAsRoot(host, `probes the real /dev/kvm (${expectation})`, async () => {
    const p = await probeDevice('kvm', '/dev/kvm');
    if (!real) {
      expect(p).toMatchObject({ usable: false, failedStep: 'open', code: 'ENOENT' });
    } else if (isKvmNode && host.kvm?.usable) {
      expect(p).toMatchObject({ usable: true, apiVersion: 12, vcpu: 'ran' });
    } else if (isKvmNode) {
      const { failedStep, code } = host.kvm!;
      expect(p).toMatchObject({ usable: false, failedStep, code });
    } else if (unregisteredMisc) {
      expect(p).toMatchObject({ usable: false, failedStep: 'open', code: 'ENODEV' });
    } else {
      expect(p).toMatchObject({ usable: false });
      expect(p.error).toBeDefined();
    }
  });
});

describe('probeDevice (MSHV)', () => {
  it('reports a device that is not MSHV (/dev/null) as ENOTTY at MSHV_CREATE_PARTITION', async () => {
    const p = await probeDevice('mshv', '/dev/null');
    expect(p).toMatchObject({ usable: false, failedStep: 'create', code: 'ENOTTY' });
    expect(p.error).toMatch(/^refused to create a partition: ENOTTY/);
  });

  it('reports a missing /dev/mshv path as ENOENT', async () => {
    const p = await probeDevice('mshv', path.join(tmp(), 'mshv'));
    expect(p).toMatchObject({ failedStep: 'open', code: 'ENOENT' });
  });
});
