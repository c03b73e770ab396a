import { describe, expect, it } from '@jest/globals';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import {
  ensureDeviceAccess,
  ruleFileName,
  ruleText,
} from '../../actions/setup-hypervisor/device-access.js';
import { mknod, probeAsNobody, tmp } from './support.js';

// Real device nodes, a real rules directory of the test's own (never /etc), real chmod; access
// is judged as an unprivileged user, since the tests run as root and root opens anything.
const mode = (file: string) => (statSync(file).mode & 0o7777).toString(8).padStart(4, '0');

function setup() {
  const dir = tmp();
  chmodSync(dir, 0o755);
  const rulesDir = path.join(dir, 'rules.d');
  return { dir, rulesDir };
}

describe('ensureDeviceAccess', () => {
  it('opens a device the runner user could not open: udev rule plus an immediate chmod', async () => {
    const { dir, rulesDir } = setup();
    const node = mknod(path.join(dir, 'kvm'), 1, 3, '0600');
    // No KVM hardware here: the node is /dev/null's, so the real probe (as nobody) decides
    // whether it opens, and a device that opens counts as a working KVM for this test only.
    const asKvm: typeof probeAsNobody = async (kind, device) => {
      const p = await probeAsNobody(kind, device);
      return p.failedStep === 'open' ? p : { ...p, usable: true, failedStep: undefined };
    };
    const r = await ensureDeviceAccess({ kind: 'kvm', device: node, rulesDir, probe: asKvm });
    expect(r.ok).toBe(true);
    expect(mode(node)).toBe('0666');
    const rule = path.join(rulesDir, '99-virt-ci-kvm.rules');
    expect(readFileSync(rule, 'utf8')).toBe(ruleText('kvm'));
    expect(readFileSync(rule, 'utf8')).toMatch(/^KERNEL=="kvm", GROUP="kvm", MODE="0666"/m);
    expect(r.actions).toEqual([`wrote ${rule}`, `chmod 0666 ${node} (was 0600)`]);
  });

  it('takes the access back from a device that opens but is no hypervisor (a typo naming a disk)', async () => {
    const { dir, rulesDir } = setup();
    const node = mknod(path.join(dir, 'kvm'), 1, 3, '0600');
    const r = await ensureDeviceAccess({
      kind: 'kvm',
      device: node,
      rulesDir,
      probe: probeAsNobody,
    });
    expect(r.ok).toBe(false);
    expect(r.note).toMatch(/opens now but is not a working kvm device/);
    expect(r.actions.at(-1)).toBe('undone: the device is still not usable');
    expect(mode(node)).toBe('0600');
    expect(readdirSync(rulesDir)).toEqual([]);
  });

  it('undoes the rule and the mode when the device still cannot be opened', async () => {
    const { dir, rulesDir } = setup();
    // KVM's numbers with no driver behind them: opening fails whatever the mode.
    const node = mknod(path.join(dir, 'kvm'), 10, 232, '0600');
    const before = await probeAsNobody('kvm', node);
    if (before.usable) return; // a host with a working KVM driver: nothing to undo here
    const r = await ensureDeviceAccess({
      kind: 'kvm',
      device: node,
      rulesDir,
      probe: probeAsNobody,
    });
    expect(r.ok).toBe(false);
    expect(r.note).toMatch(/still cannot be opened read-write: ENODEV/);
    expect(r.actions.at(-1)).toBe('undone: the device is still not usable');
    expect(mode(node)).toBe('0600');
    expect(readdirSync(rulesDir)).toEqual([]);
  });

  it('puts back a rule that was there before, when it undoes', async () => {
    const { dir, rulesDir } = setup();
    const node = mknod(path.join(dir, 'kvm'), 10, 232, '0640');
    if ((await probeAsNobody('kvm', node)).usable) return;
    const rule = path.join(rulesDir, ruleFileName('kvm'));
    mkdirSync(rulesDir, { recursive: true });
    writeFileSync(rule, 'KERNEL=="kvm", MODE="0660"\n');
    const r = await ensureDeviceAccess({
      kind: 'kvm',
      device: node,
      rulesDir,
      probe: probeAsNobody,
    });
    expect(r.ok).toBe(false);
    expect(readFileSync(rule, 'utf8')).toBe('KERNEL=="kvm", MODE="0660"\n');
    expect(mode(node)).toBe('0640');
  });

  it('does nothing for a missing device or one that already opens', async () => {
    const { dir, rulesDir } = setup();
    const missing = await ensureDeviceAccess({
      kind: 'kvm',
      device: path.join(dir, 'kvm'),
      rulesDir,
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
      probe: probeAsNobody,
    });
    expect(already).toMatchObject({ ok: true, actions: [] });
    expect(already.note).toMatch(/^opens, but refused to create a partition: ENOTTY/);
    expect(existsSync(rulesDir)).toBe(false);
  });
});
