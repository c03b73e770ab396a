import { describe, expect } from '@jest/globals';
import { chmodSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ruleFileName, ruleText } from '../../actions/setup-hypervisor/device-access.js';
import { findNode24 } from '../../shared/harness/runner.js';
import { errors, repoRoot } from '../support/harness.js';
import {
  NOBODY,
  escapeRegExp,
  hostFacts,
  itAsRoot,
  kvmHost,
  mknod,
  run,
  sudoFor,
  sudoRefusal,
  tmpForNobody,
  type SudoFacts,
} from './support.js';
import { requireTools } from '../support/tools.js';

requireTools('perl', 'qemu-system-x86_64');

// GitHub's runner user is not root. The tests run as root, so this file runs the bundle the
// way the runner does but as an unprivileged user: a node wrapper hands the step's command
// files to that user and drops privileges with setpriv (util-linux). What that user's sudo
// allows is found out the way the product uses it (`sudo -n`), and each test asserts what
// the product must do with it. The one test that lets the step write a udev rule runs the
// sources instead (./rules-dir-step.ts, through tsx), with the rules folder its own.
const host = await hostFacts();
const LOCKED_PATH = '/usr/bin:/bin:/usr/sbin:/sbin';
const sudoLocked: SudoFacts | undefined = host.notRoot
  ? undefined
  : await sudoFor('nobody', LOCKED_PATH);
const sudo: SudoFacts | undefined = host.notRoot ? undefined : await sudoFor('nobody');
const HINT = '; this needs root or passwordless sudo for the runner user';

/**
 * A node that runs the step as the unprivileged user: the bundle it is given, or with
 * `rulesDir`, the sources with the udev rules going there.
 */
function unprivilegedNode(rulesDir?: string): string {
  const script = rulesDir
    ? [
        '--import',
        pathToFileURL(path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href,
        path.join(repoRoot, 'test', 'setup-hypervisor', 'rules-dir-step.ts'),
        rulesDir,
      ]
    : undefined;
  const args = script ? script.map((a) => JSON.stringify(a)).join(', ') : '@ARGV';
  const dir = tmpForNobody('shv-node-');
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
      `exec("setpriv", "--reuid=$ids[0]", "--regid=$ids[1]", "--clear-groups", "--", ${JSON.stringify(findNode24(repoRoot))}, ${args}) or die "exec";`,
      '',
    ].join('\n'),
  );
  chmodSync(wrapper, 0o755);
  return wrapper;
}

/** The test run's temp root is not the runner user's to write: it gets one of its own. */
const nobodyTmp = () => tmpForNobody('shv-tmp-', true);
const octal = (file: string) => (statSync(file).mode & 0o777).toString(8);

describe('as a runner user without root', () => {
  // Where sudo refuses, nothing can be fixed; with passwordless sudo the fix is made, and kept
  // only where this host's KVM driver then answers the runner user.
  const outcome =
    sudoLocked?.kind !== 'passwordless' ? 'refused' : host.kvm?.usable ? 'fixed' : 'undone';
  itAsRoot(
    host,
    `a 0600 KVM node: ${outcome === 'fixed' ? 'fixed through passwordless sudo' : 'nothing is left half-made, and kvm fails with EACCES and the fix'} (sudo: ${sudoLocked?.kind}; ${kvmHost(host)})`,
    async () => {
      const dir = tmpForNobody();
      const device = mknod(path.join(dir, 'kvm'), 10, 232, '0600');
      const rules = path.join(dir, 'rules.d');
      const ws = tmpForNobody('shv-ws-');
      const r = await run('setup-hypervisor', {
        workspace: ws,
        node: unprivilegedNode(rules),
        // QEMU would open the host's own /dev/kvm, not kvm-device: its check is not this test's.
        inputs: { mode: 'kvm', 'kvm-device': device, verify: 'false' },
        env: { PATH: LOCKED_PATH, TMPDIR: nobodyTmp() },
      });
      const rule = path.join(rules, ruleFileName('kvm'));
      const fix = [`wrote ${rule}`, `chmod 0666 ${device} (was 0600)`];
      if (outcome === 'fixed') {
        expect(errors(r)).toEqual([]);
        expect(r.exitCode).toBe(0);
        expect(r.outputs).toMatchObject({ hypervisor: 'kvm', accelerator: 'kvm', device });
        expect(r.summary).toContain(`| device access ${device} | ${fix.join('; ')} |`);
        expect(octal(device)).toBe('666');
        expect(readFileSync(rule, 'utf8')).toBe(ruleText('kvm'));
      } else {
        expect(r.exitCode).toBe(1);
        expect(errors(r)).toEqual([
          `input "mode": kvm is not available: ${device} cannot be opened read-write: EACCES (permission denied); fix: keep device-access: true (the default; needs root or passwordless sudo), or add the runner user to the device's group; or set fallback: emulation to run under QEMU emulation (TCG)`,
        ]);
        expect(r.summary).toMatch(/\| device access .*kvm \| failed: /);
        expect(octal(device)).toBe('600');
      }
      if (outcome === 'refused') {
        expect(r.summary).toMatch(
          new RegExp(
            `\\| device access ${escapeRegExp(device)} \\| failed: ${sudoRefusal(sudoLocked!, 'install')} \\|`,
          ),
        );
        expect(() => readdirSync(rules)).toThrow(/ENOENT/);
      } else if (outcome === 'undone') {
        const kvm = host.kvm!;
        const why =
          kvm.failedStep === 'open'
            ? `${device} still ${kvm.error}`
            : `${device} opens now but is not a working kvm device (${kvm.error})`;
        const done = [...fix, 'undone: the device is still not usable'];
        expect(r.summary).toContain(
          `| device access ${device} | failed: ${done.join('; ')} (${why}) |`,
        );
        expect(existsSync(rules) ? readdirSync(rules) : []).toEqual([]);
      }
    },
  );

  itAsRoot(
    host,
    'auto still ends on emulation, verified by QEMU running as that user',
    async () => {
      const dir = tmpForNobody();
      const ws = tmpForNobody('shv-ws-');
      const r = await run('setup-hypervisor', {
        workspace: ws,
        node: unprivilegedNode(),
        // Device paths that do not exist: there is nothing to fix, so no udev rule is written.
        inputs: { 'kvm-device': path.join(dir, 'kvm'), 'mshv-device': path.join(dir, 'mshv') },
        env: { TMPDIR: nobodyTmp() },
      });
      expect(errors(r)).toEqual([]);
      expect(r.outputs).toMatchObject({ hypervisor: 'emulation', accelerator: 'tcg' });
      expect(r.summary).toMatch(/\| QEMU check \| ok: /);
    },
  );

  // With passwordless sudo apt really runs as root: a version no archive has makes it stop
  // before it changes anything, and its own error shows it ran.
  const NO_VERSION = 'qemu-utils=0.0-virt-ci-none';
  itAsRoot(
    host,
    `${sudo?.kind === 'passwordless' ? "runs apt-get as root through passwordless sudo: apt's own error, naming the input, shows it ran" : 'cannot install packages without sudo, and says so naming the input'} (sudo: ${sudo?.kind})`,
    async () => {
      const ws = tmpForNobody('shv-ws-');
      const debs = tmpForNobody('shv-', true);
      const passwordless = sudo?.kind === 'passwordless';
      const r = await run('setup-hypervisor', {
        workspace: ws,
        node: unprivilegedNode(),
        inputs: { packages: passwordless ? NO_VERSION : 'qemu-utils', mode: 'emulation' },
        // The .debs go below HOME, which must be that user's to write.
        env: { HOME: debs, TMPDIR: nobodyTmp() },
      });
      expect(r.exitCode).toBe(1);
      if (passwordless) {
        expect(errors(r)).toEqual([
          `input "packages": apt-get install ${NO_VERSION} failed (exit 100): E: Version '0.0-virt-ci-none' for 'qemu-utils' was not found`,
        ]);
      } else {
        expect(errors(r)).toEqual([
          expect.stringMatching(
            /^input "packages": apt-get install failed: sudo.*; this needs root or passwordless sudo for the runner user$/,
          ),
        ]);
        expect(errors(r)).toEqual([
          expect.stringMatching(
            new RegExp(
              `^input "packages": apt-get install failed: ${sudoRefusal(sudo!, 'apt-get')}${escapeRegExp(HINT)}$`,
            ),
          ),
        ]);
      }
    },
    // apt waits for the dpkg lock while another test file installs packages.
    360_000,
  );
});
