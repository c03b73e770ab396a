import { describe, expect, it } from '@jest/globals';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseProbe, probeDevice } from '../../actions/setup-hypervisor/probe.js';
import { mknod, probeAsNobody, tmp } from './support.js';

// Every probe here runs the real Perl ioctl probe against real files and device nodes.
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
    chmodSync(file, 0o666);
    expect(await probeDevice('kvm', file)).toMatchObject({ failedStep: 'api', code: 'ENOTTY' });
  });

  it('reports a directory as EISDIR', async () => {
    const dir = path.join(tmp(), 'kvm');
    mkdirSync(dir);
    expect(await probeDevice('kvm', dir)).toMatchObject({ failedStep: 'open', code: 'EISDIR' });
  });

  it('reports a KVM node with no driver behind it (10,232 made by hand) as ENODEV', async () => {
    const node = mknod(path.join(tmp(), 'kvm'), 10, 232, '0666');
    const p = await probeDevice('kvm', node);
    if (p.usable) {
      // A host with a working KVM driver answers for any node with its numbers.
      expect(p.apiVersion).toBe(12);
    } else {
      expect(p).toMatchObject({ failedStep: 'open', code: 'ENODEV' });
    }
  });

  it('reports a device the runner user cannot open as EACCES (judged as nobody via setpriv)', async () => {
    const dir = tmp();
    chmodSync(dir, 0o755);
    const node = mknod(path.join(dir, 'kvm'), 1, 3, '0600');
    const asRoot = await probeDevice('kvm', node);
    const asNobody = await probeAsNobody('kvm', node);
    expect(asRoot).toMatchObject({ failedStep: 'api', code: 'ENOTTY' });
    expect(asNobody).toMatchObject({ usable: false, failedStep: 'open', code: 'EACCES' });
    expect(asNobody.error).toBe('cannot be opened read-write: EACCES (permission denied)');
  });

  // The one test that needs hardware: it runs wherever /dev/kvm exists.
  const hasKvm = existsSync('/dev/kvm');
  (hasKvm ? it : it.skip)(
    `detects the real /dev/kvm (${hasKvm ? 'present' : 'skipped: this machine has no /dev/kvm'})`,
    async () => {
      const p = await probeDevice('kvm', '/dev/kvm');
      if (p.failedStep === 'open' && p.code === 'EACCES') {
        throw new Error(`/dev/kvm exists but ${p.error}: run the tests as root or fix its mode`);
      }
      expect(p).toMatchObject({ usable: true, apiVersion: 12 });
    },
  );
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

describe('parseProbe', () => {
  it('accepts only KVM API version 12', () => {
    const p = parseProbe('kvm', '/dev/kvm', 'open\t0\napi\t0\t11\n');
    expect(p).toMatchObject({ usable: false, failedStep: 'api', apiVersion: 11 });
    expect(p.error).toBe('answers KVM API version 11, expected 12');
  });

  it('calls a device usable only when the VM was created', () => {
    expect(parseProbe('kvm', '/dev/kvm', 'open\t0\napi\t0\t12\n')).toMatchObject({
      usable: false,
      failedStep: 'run',
    });
    expect(parseProbe('kvm', '/dev/kvm', 'open\t0\napi\t0\t12\ncreate\t0\n')).toMatchObject({
      usable: true,
      apiVersion: 12,
    });
  });
});
