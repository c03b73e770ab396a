import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exec } from '../../shared/exec.js';
import {
  parseProbe,
  probeCommand,
  type DeviceKind,
  type DeviceProbe,
} from '../../actions/setup-hypervisor/probe.js';

/** The unprivileged user the tests judge access as (the tests themselves run as root). */
export const NOBODY = { uid: 65534, gid: 65534 };

export function tmp(prefix = 'shv-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * The action's own probe, run as an unprivileged user through setpriv (util-linux): how a
 * runner user that is not root sees the device.
 */
export async function probeAsNobody(kind: DeviceKind, device: string): Promise<DeviceProbe> {
  const { command, args } = probeCommand(kind, device);
  const r = await exec('setpriv', [
    `--reuid=${NOBODY.uid}`,
    `--regid=${NOBODY.gid}`,
    '--clear-groups',
    '--',
    command,
    ...args,
  ]);
  return parseProbe(kind, device, r.stdout);
}

/**
 * A character device node made by hand: 10,232 is KVM's misc number. On a host without a
 * working KVM driver the kernel answers ENODEV for it, which is what this machine's own
 * hand-made /dev/kvm does.
 */
export function mknod(file: string, major: number, minor: number, mode = '0600'): string {
  execFileSync('mknod', ['-m', mode, file, 'c', String(major), String(minor)]);
  return file;
}
