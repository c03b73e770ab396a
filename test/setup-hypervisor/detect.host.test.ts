import { describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { UserError } from '../../shared/errors.js';
import { choose } from '../../actions/setup-hypervisor/detect.js';
import { probeDevice } from '../../actions/setup-hypervisor/probe.js';
import {
  hostFacts,
  itAsRoot,
  kvmHost,
  mknod,
  probeAsNobody,
  tmp,
  tmpForNobody,
} from './support.js';
import { requireTools } from '../support/tools.js';

requireTools('python3');

// choose() given the verdicts of the real probe on real paths and device nodes.
const host = await hostFacts();

describe('choose (real probes)', () => {
  it('auto falls back to emulation with every device and its error', async () => {
    const mshv = await probeDevice('mshv', '/dev/null');
    const kvm = await probeDevice('kvm', path.join(tmp(), 'kvm'));
    const c = choose('auto', 'none', { mshv, kvm });
    expect(c).toMatchObject({ hypervisor: 'emulation', accelerator: 'tcg', device: '' });
    expect(c.fellBack).toMatch(
      /^\/dev\/null refused to create a partition: ENOTTY .*; .*kvm cannot be opened read-write: ENOENT/,
    );
  });

  it('an explicit kvm that cannot be had fails with the device, the error and the fix', async () => {
    const device = path.join(tmp(), 'kvm');
    const kvm = await probeDevice('kvm', device);
    expect(() => choose('kvm', 'none', { kvm })).toThrow(UserError);
    expect(() => choose('kvm', 'none', { kvm })).toThrow(
      `input "mode": kvm is not available: ${device} cannot be opened read-write: ENOENT (the device node does not exist); fix: run on a runner with hardware virtualization`,
    );
  });

  it('an explicit mshv falls back to emulation when fallback is emulation', async () => {
    const mshv = await probeDevice('mshv', '/dev/null');
    expect(choose('mshv', 'emulation', { mshv })).toMatchObject({
      hypervisor: 'emulation',
      fellBack: expect.stringMatching(/^\/dev\/null refused to create a partition: ENOTTY/),
    });
  });

  itAsRoot(
    host,
    `never picks a device whose probe failed, even in explicit mode (${kvmHost(host)})`,
    async () => {
      const dir = tmpForNobody();
      const node = mknod(path.join(dir, 'kvm'), 10, 232, '0600');
      // Failed on every host: the runner user may not open it.
      const denied = await probeAsNobody('kvm', node);
      expect(() => choose('kvm', 'none', { kvm: denied })).toThrow(
        /EACCES .*fix: keep device-access: true/,
      );
      expect(choose('kvm', 'emulation', { kvm: denied }).hypervisor).toBe('emulation');
      // As root the host's KVM driver decides: picked where it works, refused where it does not.
      const kvm = await probeDevice('kvm', node);
      if (host.kvm?.usable) {
        expect(choose('kvm', 'none', { kvm })).toEqual({
          hypervisor: 'kvm',
          accelerator: 'kvm',
          device: node,
        });
      } else {
        expect(() => choose('kvm', 'none', { kvm })).toThrow(
          `input "mode": kvm is not available: ${node} ${host.kvm?.error}; fix: `,
        );
        // KVM's module loaded, no working device: what the test was first written on.
        if (host.kvm?.code === 'ENODEV') {
          expect(() => choose('kvm', 'none', { kvm })).toThrow(
            /ENODEV .*fix: the device node exists but no KVM driver answers/,
          );
        }
      }
    },
  );
});
