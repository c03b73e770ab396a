import { describe, expect } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  ensureDeviceAccess,
  ruleFileName,
  ruleText,
} from '../../actions/setup-hypervisor/device-access.js';
import { hostFacts, itAsRoot, kvmHost, mknod, probeAsNobody, tmpForNobody } from './support.js';
import { requireTools } from '../support/tools.js';

requireTools('python3');

// Real device nodes, a real rules directory of the test's own (never /etc), real chmod; access
// is judged as an unprivileged user, since the tests run as root and root opens anything.
const host = await hostFacts();
// The privileged commands run with the test's own environment, as a step's would with its.
const env = process.env;
const mode = (file: string) => (statSync(file).mode & 0o7777).toString(8).padStart(4, '0');

function setup() {
  const dir = tmpForNobody();
  const rulesDir = path.join(dir, 'rules.d');
  return { dir, rulesDir };
}

/** What ensureDeviceAccess says when a KVM node on this host still fails after the fix. */
function stillFails(node: string): string {
  const kvm = host.kvm!;
  return kvm.failedStep === 'open'
    ? `${node} still ${kvm.error}`
    : `${node} opens now but is not a working kvm device (${kvm.error})`;
}

/** A 0640 node with these numbers and a rule of the admin's already in the rules directory. */
async function withPriorRule(major: number, minor: number) {
  const { dir, rulesDir } = setup();
  const node = mknod(path.join(dir, 'kvm'), major, minor, '0640');
  const rule = path.join(rulesDir, ruleFileName('kvm'));
  mkdirSync(rulesDir, { recursive: true });
  writeFileSync(rule, 'KERNEL=="kvm", MODE="0660"\n');
  const r = await ensureDeviceAccess({
    kind: 'kvm',
    device: node,
    rulesDir,
    env,
    probe: probeAsNobody,
  });
  return { node, rule, r };
}

describe('ensureDeviceAccess', () => {
  itAsRoot(
    host,
    'opens a device the runner user could not open: udev rule plus an immediate chmod',
    async () => {
      const { dir, rulesDir } = setup();
      const node = mknod(path.join(dir, 'kvm'), 1, 3, '0600');
      // The node is /dev/null's, whatever KVM this host has: the real probe (as nobody) decides
      // whether it opens, and a device that opens counts as a working KVM for this test only.
      const asKvm: typeof probeAsNobody = async (kind, device) => {
        const p = await probeAsNobody(kind, device);
        return p.failedStep === 'open' ? p : { ...p, usable: true, failedStep: undefined };
      };
      const r = await ensureDeviceAccess({
        kind: 'kvm',
        device: node,
        rulesDir,
        env,
        probe: asKvm,
      });
      expect(r.ok).toBe(true);
      expect(mode(node)).toBe('0666');
      const rule = path.join(rulesDir, '99-virt-ci-kvm.rules');
      expect(readFileSync(rule, 'utf8')).toBe(ruleText('kvm'));
      expect(readFileSync(rule, 'utf8')).toMatch(/^KERNEL=="kvm", GROUP="kvm", MODE="0666"/m);
      expect(r.actions).toEqual([`wrote ${rule}`, `chmod 0666 ${node} (was 0600)`]);
    },
  );

  itAsRoot(
    host,
    'takes the access back from a device that opens but is no hypervisor (a typo naming a disk)',
    async () => {
      const { dir, rulesDir } = setup();
      const node = mknod(path.join(dir, 'kvm'), 1, 3, '0600');
      const r = await ensureDeviceAccess({
        kind: 'kvm',
        device: node,
        rulesDir,
        env,
        probe: probeAsNobody,
      });
      expect(r.ok).toBe(false);
      expect(r.note).toMatch(/opens now but is not a working kvm device/);
      expect(r.actions.at(-1)).toBe('undone: the device is still not usable');
      expect(mode(node)).toBe('0600');
      expect(readdirSync(rulesDir)).toEqual([]);
    },
  );

  itAsRoot(
    host,
    `a KVM node (10,232) the runner user cannot open: kept open where it then works, undone where it still does not (${kvmHost(host)})`,
    async () => {
      const { dir, rulesDir } = setup();
      const node = mknod(path.join(dir, 'kvm'), 10, 232, '0600');
      const before = await probeAsNobody('kvm', node);
      expect(before).toMatchObject({ usable: false, failedStep: 'open', code: 'EACCES' });
      const r = await ensureDeviceAccess({
        kind: 'kvm',
        device: node,
        rulesDir,
        env,
        probe: probeAsNobody,
      });
      const rule = path.join(rulesDir, ruleFileName('kvm'));
      if (host.kvm?.usable) {
        expect(r).toMatchObject({ ok: true, rule, probe: { usable: true, apiVersion: 12 } });
        expect(r.note).toBeUndefined();
        expect(r.actions).toEqual([`wrote ${rule}`, `chmod 0666 ${node} (was 0600)`]);
        expect(mode(node)).toBe('0666');
        expect(readFileSync(rule, 'utf8')).toBe(ruleText('kvm'));
      } else {
        expect(r.ok).toBe(false);
        expect(r.note).toBe(stillFails(node));
        if (host.kvm?.code === 'ENODEV') {
          expect(r.note).toMatch(/still cannot be opened read-write: ENODEV/);
        }
        expect(r.actions.at(-1)).toBe('undone: the device is still not usable');
        expect(mode(node)).toBe('0600');
        expect(readdirSync(rulesDir)).toEqual([]);
      }
    },
  );

  itAsRoot(
    host,
    `a rule that was there before: put back when it undoes, replaced where the KVM node then works (${kvmHost(host)})`,
    async () => {
      const { node, rule, r } = await withPriorRule(10, 232);
      if (host.kvm?.usable) {
        expect(r.ok).toBe(true);
        expect(readFileSync(rule, 'utf8')).toBe(ruleText('kvm'));
        expect(mode(node)).toBe('0666');
        expect(r.actions).toEqual([`wrote ${rule}`, `chmod 0666 ${node} (was 0640)`]);
      } else {
        expect(r.ok).toBe(false);
        expect(readFileSync(rule, 'utf8')).toBe('KERNEL=="kvm", MODE="0660"\n');
        expect(mode(node)).toBe('0640');
      }
    },
  );

  itAsRoot(
    host,
    'puts back a rule that was there before when it undoes a device that opens but is no hypervisor',
    async () => {
      const { node, rule, r } = await withPriorRule(1, 3);
      expect(r.ok).toBe(false);
      expect(r.note).toMatch(/opens now but is not a working kvm device/);
      expect(r.actions).toEqual([
        `wrote ${rule}`,
        `chmod 0666 ${node} (was 0640)`,
        'undone: the device is still not usable',
      ]);
      expect(readFileSync(rule, 'utf8')).toBe('KERNEL=="kvm", MODE="0660"\n');
      expect(mode(node)).toBe('0640');
    },
  );

  itAsRoot(host, 'does nothing for a missing device or one that already opens', async () => {
    const { dir, rulesDir } = setup();
    const missing = await ensureDeviceAccess({
      kind: 'kvm',
      device: path.join(dir, 'kvm'),
      rulesDir,
      env,
      probe: probeAsNobody,
    });
    expect(missing).toMatchObject({
      ok: true,
      actions: [],
      note: 'no device node: nothing to fix',
    });
    const open = mknod(path.join(dir, 'mshv'), 1, 3, '0666');
    const already = await ensureDeviceAccess({
      kind: 'mshv',
      device: open,
      rulesDir,
      env,
      probe: probeAsNobody,
    });
    expect(already).toMatchObject({ ok: true, actions: [] });
    expect(already.note).toMatch(/^opens, but refused to create a partition: ENOTTY/);
    expect(existsSync(rulesDir)).toBe(false);
  });
});
