import { existsSync } from 'node:fs';
import os from 'node:os';
import { UserError, errorMessage } from '../../shared/errors.js';
import { exec, findExecutable, lastLine } from '../../shared/exec.js';
import { sleep } from '../../shared/retry.js';
import type { Accelerator } from './detect.js';
import { installFile } from './device-access.js';
import { asRoot, forInput, isRoot } from './privileged.js';
import { groupName, type RunnerUser } from './runner-users.js';

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
  notes: string[];
}

/** The domain type libvirt offers for an accelerator, or why it offers none. */
export interface DomainCheck {
  type?: string;
  error?: string;
  skipped?: string;
}

async function virsh(args: string[], env?: NodeJS.ProcessEnv) {
  return exec('virsh', ['-c', LIBVIRT_URI, ...args], {
    env,
    allowFailure: true,
    timeoutMs: 30_000,
  });
}

async function answers(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const r = await virsh(['version'], env).catch(() => undefined);
  if (!r || r.code !== 0) return undefined;
  return /Running hypervisor:\s*(.+)/.exec(r.stdout)?.[1]?.trim() ?? r.stdout.trim().split('\n')[0];
}

// libvirt's daemons live in sbin, which a runner user's PATH often lacks.
const onPath = (name: string) =>
  findExecutable(name, '', ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin']);

export async function startLibvirt(opts: {
  env: NodeJS.ProcessEnv;
  waitMs?: number;
  /** As root: the runner users the daemon is opened to. */
  users?: RunnerUser[];
}): Promise<LibvirtResult> {
  const { env } = opts;
  const users = opts.users ?? [];
  const result: LibvirtResult = { uri: LIBVIRT_URI, started: [], notes: [] };
  if (!onPath('virsh')) {
    throw new UserError(
      'input "start-libvirt": virsh is not installed; add libvirt to packages (it stands for qemu, libvirt-daemon-system and libvirt-clients)',
    );
  }
  await forInput('start-libvirt', 'starting libvirt', () => start(result, env, users));
  if (!isRoot()) await openSocket(result, env);
  const deadline = Date.now() + (opts.waitMs ?? 20_000);
  while (!result.version) {
    result.version = await answers(env);
    if (result.version) break;
    if (Date.now() > deadline) {
      const r = await virsh(['version'], env).catch((e) => ({ stderr: errorMessage(e) }));
      throw new UserError(
        `input "start-libvirt": libvirt was started (${result.started.join(', ')}) but virsh -c ${LIBVIRT_URI} does not answer: ${lastLine(r.stderr)}`,
      );
    }
    await sleep(250);
  }
  await reachedBy(users, env);
  return result;
}

/** As root, `virsh` run as each runner user must get in too; as the user, the loop above did. */
async function reachedBy(users: RunnerUser[], env: NodeJS.ProcessEnv): Promise<void> {
  for (const u of users) {
    const r = await exec(
      'setpriv',
      [
        `--reuid=${u.uid}`,
        `--regid=${u.gid}`,
        '--init-groups',
        '--',
        'virsh',
        '-c',
        LIBVIRT_URI,
        'version',
      ],
      { env, allowFailure: true, timeoutMs: 30_000 },
    ).catch((e: unknown) => ({ code: -1, stderr: errorMessage(e) }));
    if (r.code !== 0) {
      throw new UserError(
        `input "start-libvirt": libvirt answers root but not ${u.name} (${u.why}): ${lastLine(r.stderr)}; a libvirt already running keeps its own configuration: stop it and let this step start one`,
      );
    }
  }
}

/**
 * The daemon's configuration of the action's own: unix sockets without polkit (which needs
 * D-Bus, not running in a container), the read-write socket open to the runner users' group.
 * Several users of different groups get a socket open to all.
 */
async function daemonConfig(users: RunnerUser[], env: NodeJS.ProcessEnv, daemon: string) {
  const gids = isRoot() ? [...new Set(users.map((u) => u.gid))] : [os.userInfo().gid];
  const group = gids.length === 1 ? await groupName(gids[0]!) : 'root';
  const perms = gids.length > 1 ? '0777' : '0770';
  const text = [
    '# Written by virt-ci setup-hypervisor: local unix sockets, no polkit.',
    `unix_sock_group = "${group}"`,
    'unix_sock_ro_perms = "0777"',
    `unix_sock_rw_perms = "${perms}"`,
    'auth_unix_ro = "none"',
    'auth_unix_rw = "none"',
    '',
  ].join('\n');
  const file = `${CONFIG_DIR}/${daemon}.conf`;
  await installFile(file, text, env);
  return { file, group, perms };
}

const CONFIG_DIR = '/run/virt-ci/libvirt';

async function start(
  result: LibvirtResult,
  env: NodeJS.ProcessEnv,
  users: RunnerUser[],
): Promise<void> {
  const running = await answers(env);
  if (running) {
    result.started.push('already running');
    result.version = running;
  } else if (SOCKETS.some((s) => existsSync(s))) {
    // A daemon listens, but not to this user yet: starting a second one would fail on its lock.
    result.started.push('already running');
  } else if (existsSync('/run/systemd/system')) {
    const unit = onPath('libvirtd') ? 'libvirtd.service' : 'virtqemud.socket';
    await asRoot('systemctl', ['start', 'virtlogd.socket', unit], { env });
    result.started.push(`systemctl start ${unit}`);
  } else {
    if (!existsSync('/run/libvirt/virtlogd-sock') && onPath('virtlogd')) {
      await asRoot(onPath('virtlogd')!, ['-d'], { env });
      result.started.push('virtlogd -d');
    }
    const daemon = onPath('libvirtd') ?? onPath('virtqemud');
    if (!daemon) {
      throw new UserError(
        'input "start-libvirt": neither libvirtd nor virtqemud is installed; add libvirt to packages',
      );
    }
    const name = daemon.split('/').pop()!;
    const conf = await daemonConfig(users, env, name);
    await asRoot(daemon, ['-d', '-f', conf.file], { env });
    result.started.push(`${name} -d -f ${conf.file}`);
    result.notes.push(
      `${name}: unix sockets without polkit, read-write for group ${conf.group} (${conf.perms})`,
    );
  }
}

/**
 * The runner user is not in the libvirt group in this login session; opening the socket to
 * it is the one fix that works without logging in again. The group is added too, for jobs
 * that start new sessions.
 */
async function openSocket(result: LibvirtResult, env: NodeJS.ProcessEnv): Promise<void> {
  const user = os.userInfo().username;
  for (let i = 0; i < 40 && !SOCKETS.some((s) => existsSync(s)); i++) await sleep(250);
  for (const sock of SOCKETS.filter((s) => existsSync(s))) {
    try {
      await asRoot('chmod', ['0666', '--', sock], { env });
      result.notes.push(`chmod 0666 ${sock} for ${user}`);
    } catch (err) {
      result.notes.push(`could not open ${sock} to ${user}: ${errorMessage(err)}`);
    }
  }
  await asRoot('usermod', ['-aG', 'libvirt', user], { env }).catch(() => undefined);
}

/** The domain type libvirt offers for the accelerator, or why it does not. */
export async function domainType(
  accel: Accelerator,
  env?: NodeJS.ProcessEnv,
): Promise<DomainCheck> {
  if (accel === 'mshv') {
    return { skipped: "libvirt's QEMU driver has no MSHV domain type to check" };
  }
  const virttype = accel === 'kvm' ? 'kvm' : 'qemu';
  const r = await virsh(['domcapabilities', '--virttype', virttype], env);
  if (r.code !== 0) {
    return { error: lastLine(r.stderr) || lastLine(r.stdout) || `exit ${r.code}` };
  }
  const type = /<domain>\s*([^<\s]+)\s*<\/domain>/.exec(r.stdout)?.[1];
  return type ? { type } : { error: 'domcapabilities named no domain type' };
}
