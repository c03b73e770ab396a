import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exec, findExecutable, lastLine } from '../../shared/exec.js';
import type { Accelerator } from './detect.js';
import { isRoot } from './privileged.js';

/**
 * Prove the accelerator works by starting QEMU on it. `verify: true`: an empty machine (no
 * guest, no disks, no display) with QMP on stdin/stdout, asked `query-kvm`, then told to quit;
 * QEMU refuses to start on an accelerator it cannot open. `verify: boot`: a real guest, a boot
 * sector the action writes itself, booted by the firmware QEMU ships (SeaBIOS); it prints a
 * marker to the serial port and leaves through isa-debug-exit, so a vCPU that cannot run
 * guest code (a KVM that stops with an internal error) fails the check.
 */
export function qemuBinary(arch = os.arch()): string {
  return arch === 'arm64' ? 'qemu-system-aarch64' : 'qemu-system-x86_64';
}

/** Whether QEMU is on the step's PATH, as the runner user would find it. */
export function qemuInstalled(searchPath: string, binary = qemuBinary()): boolean {
  return findExecutable(binary, searchPath) !== undefined;
}

export async function qemuVersion(
  binary = qemuBinary(),
  env?: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  const r = await exec(binary, ['--version'], { env, allowFailure: true }).catch(() => undefined);
  return r?.code === 0 ? /version\s+(\S+)/.exec(r.stdout)?.[1] : undefined;
}

export interface VerifyResult {
  ok: boolean;
  /** What QEMU said, for the summary: "kvm enabled", "tcg running"... */
  detail: string;
  /** QEMU cannot check this accelerator; the device probe is all there is. */
  skipped?: boolean;
  /** How it was checked. */
  how?: 'qmp' | 'boot';
}

export interface VerifyOptions {
  binary?: string;
  env?: NodeJS.ProcessEnv;
  /** The device the accelerator is to use; QEMU itself opens /dev/kvm or /dev/mshv. */
  device?: string;
  /** For `boot`: how long the guest may take to print its marker. */
  timeoutMs?: number;
}

/** The device QEMU opens for an accelerator: it has no option naming another one. */
const QEMU_DEVICE: Partial<Record<Accelerator, string>> = { kvm: '/dev/kvm', mshv: '/dev/mshv' };

/**
 * Bind-mount `$0` over QEMU's device in a private mount namespace, then run QEMU there. The
 * script is fixed; the device and QEMU's arguments reach it as positional parameters.
 */
const ON_DEVICE = 'mount --bind -- "$0" "$1" || exit 97; shift; exec "$@"';
const MOUNT_FAILED = 97;

/**
 * Why the private mount could not be made (a container without CAP_SYS_ADMIN), if that is
 * what failed: then QEMU never ran, and nothing is known of the accelerator.
 */
function mountFailed(
  cmd: { command: string },
  r: { code: number; stderr: string },
  device: string | undefined,
): VerifyResult | undefined {
  if (cmd.command !== 'unshare') return undefined;
  if (r.code !== MOUNT_FAILED && !/^unshare: /m.test(r.stderr)) return undefined;
  const said = r.stderr.split('\n').find((l) => /^(mount|unshare): /.test(l)) ?? lastLine(r.stderr);
  return {
    ok: true,
    skipped: true,
    detail: `QEMU could not be pointed at ${device} (${said || `exit ${r.code}`}): not checked, the device probe stands`,
  };
}

/**
 * QEMU's command on the chosen device. A device other than the one QEMU opens is mounted in
 * its place for QEMU alone, which takes root; without root, or with nothing to mount over,
 * QEMU cannot be pointed at it and the check is skipped rather than run on another device.
 */
function onDevice(
  accel: Accelerator,
  binary: string,
  args: string[],
  device: string | undefined,
): { command: string; args: string[] } | { skip: string } {
  const own = QEMU_DEVICE[accel];
  if (!own || !device || path.resolve(device) === own) return { command: binary, args };
  if (!isRoot()) {
    return {
      skip: `QEMU opens ${own} only, and pointing it at ${device} takes root (a private mount): not checked, the device probe stands`,
    };
  }
  if (!existsSync(own)) {
    return {
      skip: `QEMU opens ${own} only, and there is no ${own} to mount ${device} over: not checked, the device probe stands`,
    };
  }
  return {
    command: 'unshare',
    args: [
      '--mount',
      '--propagation',
      'private',
      '--',
      'sh',
      '-c',
      ON_DEVICE,
      device,
      own,
      binary,
      ...args,
    ],
  };
}

/** QEMU older than 10.2 has no mshv accelerator: then QEMU can say nothing about MSHV. */
async function mshvUnsupported(
  binary: string,
  env?: NodeJS.ProcessEnv,
): Promise<VerifyResult | undefined> {
  const help = await exec(binary, ['-accel', 'help'], { env, allowFailure: true });
  if (/^\s*mshv\s*$/m.test(help.stdout)) return undefined;
  // MSHV jobs often run cloud-hypervisor, not QEMU: an older QEMU proves nothing either way.
  return {
    ok: true,
    skipped: true,
    detail: `${binary} has no mshv accelerator (QEMU 10.2 or later has): the device probe stands`,
  };
}

export async function verifyAccelerator(
  accel: Accelerator,
  opts: VerifyOptions = {},
): Promise<VerifyResult> {
  const { binary = qemuBinary(), env } = opts;
  if (accel === 'mshv') {
    const unsupported = await mshvUnsupported(binary, env);
    if (unsupported) return unsupported;
  }
  const qmp = ['qmp_capabilities', 'query-kvm', 'query-status', 'quit']
    .map((c) => JSON.stringify({ execute: c }))
    .join('\n');
  const qemuArgs = [
    '-accel',
    accel,
    '-machine',
    'none',
    '-nodefaults',
    '-display',
    'none',
    '-S',
    '-qmp',
    'stdio',
  ];
  const cmd = onDevice(accel, binary, qemuArgs, opts.device);
  if ('skip' in cmd) return { ok: true, skipped: true, detail: cmd.skip, how: 'qmp' };
  const r = await exec(cmd.command, cmd.args, {
    env,
    input: `${qmp}\n`,
    allowFailure: true,
    timeoutMs: 60_000,
  });
  const unmounted = mountFailed(cmd, r, opts.device);
  if (unmounted) return { ...unmounted, how: 'qmp' };
  const answers = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l) as { return?: Record<string, unknown>; QMP?: unknown };
      } catch {
        return {};
      }
    });
  const kvm = answers.find((a) => a.return && 'enabled' in a.return)?.return as
    { enabled: boolean; present: boolean } | undefined;
  const on = onText(accel, binary, opts.device);
  if (!answers.some((a) => a.QMP) || !kvm) {
    const why = lastLine(r.stderr) || `exit ${r.code}`;
    return { ok: false, detail: `${on} did not start: ${why}`, how: 'qmp' };
  }
  if (accel === 'kvm' && !kvm.enabled) {
    return {
      ok: false,
      detail: `${binary} started, but query-kvm says KVM is not enabled`,
      how: 'qmp',
    };
  }
  if (accel === 'tcg' && kvm.enabled) {
    return { ok: false, detail: `${binary} -accel tcg reports KVM enabled`, how: 'qmp' };
  }
  return {
    ok: true,
    detail: `${on.replace(/^\S+ /, `${binary} started with `)}; query-kvm: enabled=${kvm.enabled}`,
    how: 'qmp',
  };
}

function onText(accel: Accelerator, binary: string, device?: string): string {
  const own = QEMU_DEVICE[accel];
  const custom = own && device && path.resolve(device) !== own ? ` on ${device}` : '';
  return `${binary} -accel ${accel}${custom}`;
}

/** What the test guest prints on the serial port, and the status isa-debug-exit gives QEMU. */
export const BOOT_MARKER = 'VIRT-CI-BOOT-OK';
/** isa-debug-exit makes QEMU exit with (value << 1) | 1; the guest writes 0x21. */
export const BOOT_EXIT = (0x21 << 1) | 1;

/**
 * A 512-byte boot sector for x86 (loaded at 0x7c00 in real mode): print BOOT_MARKER on COM1
 * (port 0x3f8), write 0x21 to isa-debug-exit (port 0xf4), halt.
 */
export function bootSector(): Buffer {
  const msg = Buffer.from(`${BOOT_MARKER}\r\n\0`, 'latin1');
  const code = [
    0xfa, // cli
    0x31,
    0xc0, // xor ax, ax
    0x8e,
    0xd8, // mov ds, ax
    0xbe,
    0x1c,
    0x7c, // mov si, 0x7c1c (msg)
    0xba,
    0xf8,
    0x03, // mov dx, 0x3f8
    0xac, // next: lodsb
    0x84,
    0xc0, // test al, al
    0x74,
    0x03, // jz done
    0xee, // out dx, al
    0xeb,
    0xf8, // jmp next
    0xba,
    0xf4,
    0x00, // done: mov dx, 0xf4
    0xb0,
    0x21, // mov al, 0x21
    0xee, // out dx, al
    0xf4, // hlt
    0xeb,
    0xfd, // jmp hlt
  ];
  const sector = Buffer.alloc(512);
  Buffer.from(code).copy(sector, 0);
  msg.copy(sector, code.length);
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}

/**
 * Boot the test guest on the accelerator, within a time limit, and require its marker and
 * exit status. x86 only: the boot sector is x86 code.
 */
export async function bootAccelerator(
  accel: Accelerator,
  opts: VerifyOptions = {},
): Promise<VerifyResult> {
  const { binary = qemuBinary(), env, timeoutMs = 30_000 } = opts;
  if (binary !== 'qemu-system-x86_64') {
    return {
      ok: true,
      skipped: true,
      how: 'boot',
      detail: `verify: boot has a test guest for x86 only, not ${binary}`,
    };
  }
  if (accel === 'mshv') {
    const unsupported = await mshvUnsupported(binary, env);
    if (unsupported) return { ...unsupported, how: 'boot' };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'virt-ci-boot-'));
  try {
    const image = path.join(dir, 'boot.img');
    writeFileSync(image, bootSector());
    const qemuArgs = [
      '-accel',
      accel,
      '-machine',
      'pc',
      '-m',
      '32',
      '-nodefaults',
      '-display',
      'none',
      '-monitor',
      'none',
      '-serial',
      'stdio',
      '-no-reboot',
      '-device',
      'isa-debug-exit,iobase=0xf4,iosize=0x04',
      '-drive',
      `file=${image},format=raw,if=ide,index=0,media=disk`,
      '-boot',
      'order=c',
    ];
    const cmd = onDevice(accel, binary, qemuArgs, opts.device);
    if ('skip' in cmd) return { ok: true, skipped: true, detail: cmd.skip, how: 'boot' };
    const started = Date.now();
    const r = await exec(cmd.command, cmd.args, { env, allowFailure: true, timeoutMs });
    const ms = Date.now() - started;
    const unmounted = mountFailed(cmd, r, opts.device);
    if (unmounted) return { ...unmounted, how: 'boot' };
    const on = onText(accel, binary, opts.device);
    if (r.stdout.includes(BOOT_MARKER) && r.code === BOOT_EXIT) {
      return {
        ok: true,
        how: 'boot',
        detail: `${on} booted the test guest in ${(ms / 1000).toFixed(1)} s`,
      };
    }
    const said = lastLine(r.stderr);
    const how = r.signal
      ? `did not finish within ${timeoutMs / 1000} s`
      : `exited with ${r.code}${r.stdout.includes(BOOT_MARKER) ? '' : ' without the marker'}`;
    return {
      ok: false,
      how: 'boot',
      detail: `${on} could not boot the test guest: it ${how}${said ? `: ${said}` : ''}`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
