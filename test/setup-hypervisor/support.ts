import { afterAll, afterEach, beforeEach, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { action } from '../../actions/setup-hypervisor/action.js';
import type { Deps } from '../../actions/setup-hypervisor/types.js';
import { errorMessage } from '../../shared/errors.js';
import { exec, lastLine } from '../../shared/exec.js';
import type { RunOptions, RunResult } from '../../shared/harness/runner.js';
import { run as runBundle } from '../support/harness.js';
import { runInProcess } from '../support/in-process.js';
import {
  parseProbe,
  probeCommand,
  probeDevice,
  type DeviceKind,
  type DeviceProbe,
} from '../../actions/setup-hypervisor/probe.js';

/** The unprivileged user the tests judge access as, when they run as root. */
export const NOBODY = { uid: 65534, gid: 65534 };

// Every directory made through tmp() or run() goes once the test that made it ends, passed or
// failed, and one made outside a test (a describe body, beforeAll) once the file ends: the
// tests make device nodes that must not outlive them.
const made = { test: [] as string[], file: [] as string[] };
let inTest = false;
const removeAll = (dirs: string[]) => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
};
beforeEach(() => {
  inTest = true;
});
afterEach(() => {
  inTest = false;
  removeAll(made.test);
});
afterAll(() => removeAll(made.file));

function keep(dir: string): string {
  (inTest ? made.test : made.file).push(dir);
  return dir;
}

export function tmp(prefix = 'shv-'): string {
  return keep(mkdtempSync(path.join(os.tmpdir(), prefix)));
}

/**
 * A tmp() directory the unprivileged user can reach, and with `own` write. The directories
 * above it, up to the temp root (the test run's own directory, 0700), are given o+x and
 * nothing more: the user can pass through but not list them.
 */
export function tmpForNobody(prefix = 'shv-', own = false): string {
  const dir = tmp(prefix);
  chmodSync(dir, 0o755);
  if (own) chownSync(dir, NOBODY.uid, NOBODY.gid);
  const root = path.resolve(os.tmpdir());
  if (!dir.startsWith(root + path.sep)) return dir;
  for (let d = path.dirname(dir); d.startsWith(root); d = path.dirname(d)) {
    const mode = statSync(d).mode & 0o7777;
    if (!(mode & 0o001)) chmodSync(d, mode | 0o001);
    if (d === root) break;
  }
  return dir;
}

/** The harness's run, with the directory it makes for the step removed like tmp()'s. */
export async function run(name: string, opts: Omit<RunOptions, 'action'> = {}): Promise<RunResult> {
  const r = await runBundle(name, opts);
  keep(path.dirname(r.runnerTemp));
  return r;
}

/**
 * setup-hypervisor run in this process, as the runner would run it, with some of its
 * dependencies changed (a .deb folder of the test's own, reinstalling what is installed);
 * the step's directory is removed like tmp()'s.
 */
export async function runWithDeps(
  deps: Partial<Omit<Deps, 'log' | 'env'>>,
  opts: Omit<RunOptions, 'action' | 'inProcess'> = {},
): Promise<RunResult> {
  const r = await runInProcess('setup-hypervisor', action, (real) => ({ ...real, ...deps }), opts);
  keep(path.dirname(r.runnerTemp));
  return r;
}

/**
 * The action's own probe, run as an unprivileged user through setpriv (util-linux): how a
 * runner user that is not root sees the device.
 */
export async function probeAsNobody(kind: DeviceKind, device: string): Promise<DeviceProbe> {
  const { command, args } = probeCommand(kind, device);
  // The system's python3: one on the test run's own PATH may live below root's home.
  const r = await exec('setpriv', [...asNobody(), command, ...args], {
    env: { ...process.env, PATH: '/usr/bin:/bin' },
  });
  return parseProbe(kind, device, r.stdout);
}

function asNobody(): string[] {
  return [`--reuid=${NOBODY.uid}`, `--regid=${NOBODY.gid}`, '--clear-groups', '--'];
}

/**
 * A character device node made by hand. 10,232 is KVM's misc number: such a node works
 * exactly when the host's KVM driver does; it answers ENODEV where no driver registered it,
 * and EPERM where a device cgroup keeps it from this machine (a container without KVM).
 */
export function mknod(file: string, major: number, minor: number, mode = '0600'): string {
  execFileSync('mknod', ['-m', mode, file, 'c', String(major), String(minor)]);
  return file;
}

export interface Host {
  /** Why the tests that need root (mknod, setpriv, chown) cannot run here; unset: they can. */
  notRoot?: string;
  /** The product's probe, as root, of a KVM node made by hand: what this host's driver says. */
  kvm?: DeviceProbe;
}

let facts: Promise<Host> | undefined;

/** What this host is, learnt once per test file by trying, never assumed from the uid. */
export function hostFacts(): Promise<Host> {
  facts ??= probeHost();
  return facts;
}

async function probeHost(): Promise<Host> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shv-host-'));
  try {
    try {
      mknod(path.join(dir, 'null'), 1, 3);
    } catch (err) {
      return {
        notRoot: `needs root: this user may not mknod (${lastLine(errorMessage(err)).replace(/^mknod: .*: /, '')})`,
      };
    }
    const switched = await exec('setpriv', [...asNobody(), 'true'], { allowFailure: true }).catch(
      (err: unknown) => ({ code: -1, stderr: errorMessage(err) }),
    );
    if (switched.code !== 0) {
      return {
        notRoot: `needs root: setpriv cannot switch to nobody (${lastLine(switched.stderr)})`,
      };
    }
    return { kvm: await probeDevice('kvm', mknod(path.join(dir, 'kvm'), 10, 232)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `it`, or where `reason` is given, skipped with the reason in its title. */
export function itUnless(
  reason: string | undefined,
  title: string,
  fn: Parameters<typeof it>[1],
  timeout?: number,
): void {
  if (reason) it.skip(`${title} (skipped: ${reason})`, fn, timeout);
  else it(title, fn, timeout);
}

/** `it` for a test that needs root (mknod, setpriv, chown). */
export function itAsRoot(
  host: Host,
  title: string,
  fn: Parameters<typeof it>[1],
  timeout?: number,
): void {
  itUnless(host.notRoot, title, fn, timeout);
}

/** For a test title: which kind of KVM host the tests judged this one to be. */
export function kvmHost(host: Host): string {
  if (!host.kvm) return 'KVM driver not probed';
  return host.kvm.usable
    ? "this host's KVM driver works"
    : `no working KVM here: a node with KVM's numbers ${host.kvm.error}`;
}

export type Sudo = 'absent' | 'password' | 'passwordless';

export interface SudoFacts {
  kind: Sudo;
  /** sudo's own last line when it refused (C locale). */
  said?: string;
}

/**
 * The product's privilege path for a user that is not root, tried the way the product takes
 * it: `sudo -n`, looked up on PATH by that user. A refusal (a password asked, or not allowed)
 * exits 1; setpriv exits 126 or 127 when it finds no sudo to run.
 */
export async function sudoFor(
  user: 'self' | 'nobody',
  PATH = process.env.PATH ?? '',
): Promise<SudoFacts> {
  const [command, args] =
    user === 'self' ? ['sudo', ['-n', 'true']] : ['setpriv', [...asNobody(), 'sudo', '-n', 'true']];
  const r = await exec(command, args, {
    env: { ...process.env, PATH, LC_ALL: 'C' },
    allowFailure: true,
  }).catch(() => undefined);
  if (!r || (user === 'nobody' && (r.code === 126 || r.code === 127))) return { kind: 'absent' };
  if (r.code === 0) return { kind: 'passwordless' };
  return { kind: 'password', said: lastLine(r.stderr).replace(/^sudo:\s*/, '') };
}

/**
 * The reason the product gives when sudo would not run `command` for this user, as a regular
 * expression source to sit inside a longer line.
 */
export function sudoRefusal(facts: SudoFacts, command: string): string {
  if (facts.kind === 'absent') return escapeRegExp('sudo: is not installed or not on PATH');
  if (/a password is required/.test(facts.said ?? '')) {
    return escapeRegExp('sudo asked for a password');
  }
  return `${escapeRegExp(`sudo would not run ${command}: `)}.+`;
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
