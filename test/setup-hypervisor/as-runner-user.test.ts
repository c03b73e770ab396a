import { describe, expect, it } from '@jest/globals';
import { chmodSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { findNode24 } from '../../shared/harness/runner.js';
import { errors, repoRoot, run } from '../support/harness.js';
import { NOBODY, mknod, tmp } from './support.js';

// GitHub's runner user is not root. The tests run as root, so this file runs the bundle the
// way the runner does but as an unprivileged user with no sudo rights: a node wrapper hands
// the step's command files to that user and drops privileges with setpriv (util-linux).
function unprivilegedNode(): string {
  const dir = tmp('shv-node-');
  chmodSync(dir, 0o755);
  const wrapper = path.join(dir, 'node');
  // Perl, not sh: a POSIX shell drops variables whose names hold a hyphen (INPUT_KVM-DEVICE).
  writeFileSync(
    wrapper,
    [
      '#!/usr/bin/perl',
      'use File::Basename;',
      `my @ids = (${NOBODY.uid}, ${NOBODY.gid});`,
      'my $dir = dirname($ENV{GITHUB_OUTPUT});',
      'system("chown", "-R", "$ids[0]:$ids[1]", $dir, $ENV{GITHUB_WORKSPACE}) == 0 or die "chown";',
      'chmod 0755, $dir;',
      `exec("setpriv", "--reuid=$ids[0]", "--regid=$ids[1]", "--clear-groups", "--", ${JSON.stringify(findNode24(repoRoot))}, @ARGV) or die "exec";`,
      '',
    ].join('\n'),
  );
  chmodSync(wrapper, 0o755);
  return wrapper;
}

describe('as a runner user without root', () => {
  it('cannot fix a 0600 device: nothing is left half-made, and kvm fails with EACCES and the fix', async () => {
    const dir = tmp();
    chmodSync(dir, 0o755);
    const device = mknod(path.join(dir, 'kvm'), 10, 232, '0600');
    const rules = path.join(dir, 'rules.d');
    const ws = tmp('shv-ws-');
    chmodSync(ws, 0o755);
    const r = await run('setup-hypervisor', {
      workspace: ws,
      node: unprivilegedNode(),
      inputs: { mode: 'kvm', 'kvm-device': device },
      // no sudo for this user: `sudo -n` is refused or absent, as on a locked-down runner
      env: { VIRT_CI_UDEV_RULES_DIR: rules, PATH: '/usr/bin:/bin:/usr/sbin:/sbin' },
    });
    expect(r.exitCode).toBe(1);
    expect(errors(r)).toEqual([
      `input "mode": kvm is not available: ${device} cannot be opened read-write: EACCES (permission denied); fix: keep device-access: true (the default; needs root or passwordless sudo), or add the runner user to the device's group; or set fallback: emulation to run under QEMU emulation (TCG)`,
    ]);
    expect(r.summary).toMatch(/\| device access .*kvm \| failed: /);
    expect((statSync(device).mode & 0o777).toString(8)).toBe('600');
    expect(() => readdirSync(rules)).toThrow(/ENOENT/);
  });

  it('auto still ends on emulation, verified by QEMU running as that user', async () => {
    const dir = tmp();
    chmodSync(dir, 0o755);
    const ws = tmp('shv-ws-');
    chmodSync(ws, 0o755);
    const r = await run('setup-hypervisor', {
      workspace: ws,
      node: unprivilegedNode(),
      inputs: { 'kvm-device': path.join(dir, 'kvm'), 'mshv-device': path.join(dir, 'mshv') },
      env: { VIRT_CI_UDEV_RULES_DIR: path.join(dir, 'rules.d') },
    });
    expect(errors(r)).toEqual([]);
    expect(r.outputs).toMatchObject({ hypervisor: 'emulation', accelerator: 'tcg' });
    expect(r.summary).toMatch(/\| QEMU check \| ok: /);
  });

  it('cannot install packages without sudo, and says so naming the input', async () => {
    const ws = tmp('shv-ws-');
    chmodSync(ws, 0o755);
    const debs = tmp();
    chmodSync(debs, 0o777);
    const r = await run('setup-hypervisor', {
      workspace: ws,
      node: unprivilegedNode(),
      inputs: { packages: 'qemu-utils', mode: 'emulation' },
      env: { VIRT_CI_APT_ARCHIVES: path.join(debs, 'debs') },
    });
    expect(r.exitCode).toBe(1);
    expect(errors(r)).toEqual([
      expect.stringMatching(
        /^input "packages": apt-get install failed: sudo.*; this needs root or passwordless sudo for the runner user$/,
      ),
    ]);
  });
});
