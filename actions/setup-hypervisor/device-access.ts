import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errorMessage } from '../../shared/errors.js';
import { probeDevice, type DeviceKind, type DeviceProbe } from './probe.js';
import { asRoot } from './privileged.js';

/**
 * Make a hypervisor device usable by the runner user in this job, without a new login: a
 * udev rule that keeps the device world-accessible whenever udev recreates it, and an
 * immediate chmod of the node (group membership would only count after re-login). When the
 * device still cannot be used afterwards, both are undone: nothing is left half-made.
 */
export interface AccessOptions {
  kind: DeviceKind;
  device: string;
  /** Where udev rules live (/etc/udev/rules.d on a real host). */
  rulesDir: string;
  /** The step's environment, for the privileged commands. */
  env: NodeJS.ProcessEnv;
  /** The probe to judge the result by (replaceable to judge as another user). */
  probe?: (kind: DeviceKind, device: string) => Promise<DeviceProbe>;
  /** The user the fix is for, when not the step's own (a runner user of a root job). */
  user?: string;
  /**
   * Handed the way to undo a change that was kept, for a later check (QEMU's) that finds the
   * device unusable after all.
   */
  onKept?: (undo: () => Promise<void>) => void;
}

export interface AccessResult {
  kind: DeviceKind;
  device: string;
  /** The user it was made usable for, when not the step's own. */
  user?: string;
  /** What was done, in order, for the summary. */
  actions: string[];
  /** true: the device opens now or needed nothing; false: the fix failed and was undone. */
  ok: boolean;
  /** Why it was skipped or failed. */
  note?: string;
  /** The probe after the fix (or the first one, when nothing was done). */
  probe: DeviceProbe;
  rule?: string;
}

/** The rules directory udev reads; a rule written anywhere else is not reloaded. */
export const UDEV_RULES_DIR = '/etc/udev/rules.d';

export function ruleFileName(kind: DeviceKind): string {
  return `99-virt-ci-${kind}.rules`;
}

export function ruleText(kind: DeviceKind): string {
  const group = kind === 'kvm' ? ', GROUP="kvm"' : '';
  return `# Written by virt-ci setup-hypervisor: ${kind} usable by every user of this CI machine.\nKERNEL=="${kind}"${group}, MODE="0666", OPTIONS+="static_node=${kind}"\n`;
}

export async function ensureDeviceAccess(opts: AccessOptions): Promise<AccessResult> {
  const { env } = opts;
  const probe =
    opts.probe ??
    ((kind: DeviceKind, device: string) => probeDevice(kind, device, { env, user: opts.user }));
  const before = await probe(opts.kind, opts.device);
  const base = {
    kind: opts.kind,
    device: opts.device,
    ...(opts.user ? { user: opts.user } : {}),
    actions: [] as string[],
  };
  if (before.usable) return { ...base, ok: true, note: 'already usable', probe: before };
  if (before.failedStep === 'open' && before.code === 'ENOENT') {
    return { ...base, ok: true, note: 'no device node: nothing to fix', probe: before };
  }
  if (before.failedStep !== 'open') {
    // It opens: permissions are not what is wrong, so a permission fix would prove nothing.
    return { ...base, ok: true, note: `opens, but ${before.error}`, probe: before };
  }

  const undo: Array<() => Promise<void>> = [];
  const actions = base.actions;
  const rule = path.join(opts.rulesDir, ruleFileName(opts.kind));
  try {
    const text = ruleText(opts.kind);
    const previous = existsSync(rule) ? readFileSync(rule, 'utf8') : undefined;
    if (previous !== text) {
      await installFile(rule, text, env);
      undo.push(async () => {
        if (previous === undefined) await asRoot('rm', ['-f', '--', rule], { env });
        else await installFile(rule, previous, env);
      });
      actions.push(`wrote ${rule}`);
      await reloadUdev(opts, actions);
    }
    const mode = (statSync(opts.device).mode & 0o7777).toString(8).padStart(4, '0');
    if (mode !== '0666') {
      await asRoot('chmod', ['0666', '--', opts.device], { env });
      undo.push(async () => {
        await asRoot('chmod', [mode, '--', opts.device], { env });
      });
      actions.push(`chmod 0666 ${opts.device} (was ${mode})`);
    }
    // Keep the change only for a device that now really works as the hypervisor: a path
    // that opens but is something else (a typo naming a disk) must not stay world-writable.
    const after = await probe(opts.kind, opts.device);
    if (after.failedStep === 'open') {
      throw new Error(`${opts.device} still ${after.error}`);
    }
    if (!after.usable) {
      throw new Error(
        `${opts.device} opens now but is not a working ${opts.kind} device (${after.error})`,
      );
    }
    if (undo.length) opts.onKept?.(() => undoAll([...undo]));
    return { ...base, ok: true, probe: after, rule };
  } catch (err) {
    const changed = undo.length > 0;
    await undoAll(undo);
    if (changed) actions.push('undone: the device is still not usable');
    return { ...base, ok: false, note: errorMessage(err), probe: before };
  }
}

/** Undo what can be undone, last change first; the failure itself is what gets reported. */
async function undoAll(undo: Array<() => Promise<void>>): Promise<void> {
  for (const step of undo.splice(0).reverse()) {
    try {
      await step();
    } catch {
      // Best effort: one step that cannot be undone must not keep the others from it.
    }
  }
}

/** Write a root-owned file through a temporary copy, so that sudo installs it in one step. */
export async function installFile(
  dest: string,
  text: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'virt-ci-rule-'));
  try {
    const tmp = path.join(dir, path.basename(dest));
    writeFileSync(tmp, text);
    await asRoot('install', ['-D', '-m', '0644', '--', tmp, dest], { env });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reload udev's rules only where udev is running and reads this rules directory. */
async function reloadUdev(
  { kind, rulesDir, env }: AccessOptions,
  actions: string[],
): Promise<void> {
  if (path.resolve(rulesDir) !== UDEV_RULES_DIR) return;
  if (!existsSync('/run/udev/control')) {
    actions.push('udev is not running here: the rule applies from the next boot');
    return;
  }
  await asRoot('udevadm', ['control', '--reload-rules'], { env });
  await asRoot('udevadm', ['trigger', `--name-match=${kind}`], { env });
  actions.push('udevadm reloaded the rules and triggered the device');
}
