import { existsSync } from 'node:fs';
import os from 'node:os';
import { UserError, errorMessage } from '../../shared/errors.js';
import { exec, findExecutable } from '../../shared/exec.js';
import { sleep } from '../../shared/retry.js';
import type { Accelerator } from './detect.js';
import { asRoot, forInput, isRoot } from './privileged.js';

/**
 * libvirt's system daemon, started the way the host expects: through systemd where it runs
 * the machine, else the daemons directly (containers, minimal VMs). Then the socket is made
 * usable by the runner user for this job, and `virsh domcapabilities` is asked whether the
 * chosen accelerator is really offered.
 */
export const LIBVIRT_URI = 'qemu:///system';
const SOCKETS = ['/run/libvirt/libvirt-sock', '/run/libvirt/virtqemud-sock'];

export interface LibvirtResult {
  uri: string;
  /** What was started ("already running" when nothing had to be). */
  started: string[];
  version?: string;
  /** The domain type `virsh domcapabilities` offers for the accelerator (kvm, qemu...). */
  domainType?: string;
  notes: string[];
}

async function virsh(args: string[]) {
  return exec('virsh', ['-c', LIBVIRT_URI, ...args], { allowFailure: true, timeoutMs: 30_000 });
}

async function answers(): Promise<string | undefined> {
  const r = await virsh(['version']).catch(() => undefined);
  if (!r || r.code !== 0) return undefined;
  return /Running hypervisor:\s*(.+)/.exec(r.stdout)?.[1]?.trim() ?? r.stdout.trim().split('\n')[0];
}

// libvirt's daemons live in sbin, which a runner user's PATH often lacks.
const onPath = (name: string) =>
  findExecutable(name, '', ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin']);

export async function startLibvirt(opts: { waitMs?: number } = {}): Promise<LibvirtResult> {
  const result: LibvirtResult = { uri: LIBVIRT_URI, started: [], notes: [] };
  if (!onPath('virsh')) {
    throw new UserError(
      'input "start-libvirt": virsh is not installed; add libvirt to packages (it stands for qemu, libvirt-daemon-system and libvirt-clients)',
    );
  }
  await forInput('start-libvirt', 'starting libvirt', () => start(result));
  if (!isRoot()) await openSocket(result);
  const deadline = Date.now() + (opts.waitMs ?? 20_000);
  while (!result.version) {
    result.version = await answers();
    if (result.version) break;
    if (Date.now() > deadline) {
      const r = await virsh(['version']).catch((e) => ({ stderr: errorMessage(e) }));
      throw new UserError(
        `input "start-libvirt": libvirt was started (${result.started.join(', ')}) but virsh -c ${LIBVIRT_URI} does not answer: ${r.stderr.trim().split('\n').at(-1) ?? ''}`,
      );
    }
    await sleep(250);
  }
  return result;
}

async function start(result: LibvirtResult): Promise<void> {
  const running = await answers();
  if (running) {
    result.started.push('already running');
    result.version = running;
  } else if (SOCKETS.some((s) => existsSync(s))) {
    // A daemon listens, but not to this user yet: starting a second one would fail on its lock.
    result.started.push('already running');
  } else if (existsSync('/run/systemd/system')) {
    const unit = onPath('libvirtd') ? 'libvirtd.service' : 'virtqemud.socket';
    await asRoot('systemctl', ['start', 'virtlogd.socket', unit]);
    result.started.push(`systemctl start ${unit}`);
  } else {
    if (!existsSync('/run/libvirt/virtlogd-sock') && onPath('virtlogd')) {
      await asRoot(onPath('virtlogd')!, ['-d']);
      result.started.push('virtlogd -d');
    }
    const daemon = onPath('libvirtd') ?? onPath('virtqemud');
    if (!daemon) {
      throw new UserError(
        'input "start-libvirt": neither libvirtd nor virtqemud is installed; add libvirt to packages',
      );
    }
    await asRoot(daemon, ['-d']);
    result.started.push(`${daemon.split('/').pop()} -d`);
  }
}

/**
 * The runner user is not in the libvirt group in this login session; opening the socket to
 * it is the one fix that works without logging in again. The group is added too, for jobs
 * that start new sessions.
 */
async function openSocket(result: LibvirtResult): Promise<void> {
  const user = os.userInfo().username;
  for (let i = 0; i < 40 && !SOCKETS.some((s) => existsSync(s)); i++) await sleep(250);
  for (const sock of SOCKETS.filter((s) => existsSync(s))) {
    try {
      await asRoot('chmod', ['0666', '--', sock]);
      result.notes.push(`chmod 0666 ${sock} for ${user}`);
    } catch (err) {
      result.notes.push(`could not open ${sock} to ${user}: ${errorMessage(err)}`);
    }
  }
  await asRoot('usermod', ['-aG', 'libvirt', user]).catch(() => undefined);
}

/** The domain type libvirt offers for the accelerator, or why it does not. */
export async function domainType(
  accel: Accelerator,
): Promise<{ type?: string; error?: string; skipped?: string }> {
  if (accel === 'mshv') {
    return { skipped: "libvirt's QEMU driver has no MSHV domain type to check" };
  }
  const virttype = accel === 'kvm' ? 'kvm' : 'qemu';
  const r = await virsh(['domcapabilities', '--virttype', virttype]);
  if (r.code !== 0) {
    return { error: (r.stderr.trim() || r.stdout.trim()).split('\n').at(-1) ?? `exit ${r.code}` };
  }
  const type = /<domain>\s*([^<\s]+)\s*<\/domain>/.exec(r.stdout)?.[1];
  return type ? { type } : { error: 'domcapabilities named no domain type' };
}
