import os from 'node:os';
import { exec, findExecutable, lastLine } from '../../shared/exec.js';
import type { Accelerator } from './detect.js';

/**
 * Prove the accelerator works by starting QEMU on it: an empty machine (no guest, no disks,
 * no display) with QMP on stdin/stdout, asked `query-kvm`, then told to quit. QEMU refuses to
 * start on an accelerator it cannot open, so a clean answer is proof, not a guess.
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
}

export async function verifyAccelerator(
  accel: Accelerator,
  binary = qemuBinary(),
  env?: NodeJS.ProcessEnv,
): Promise<VerifyResult> {
  if (accel === 'mshv') {
    const help = await exec(binary, ['-accel', 'help'], { env, allowFailure: true });
    if (!/^\s*mshv\s*$/m.test(help.stdout)) {
      // MSHV jobs often run cloud-hypervisor, not QEMU: an older QEMU proves nothing either way.
      return {
        ok: true,
        skipped: true,
        detail: `${binary} has no mshv accelerator (QEMU 10.2 or later has): the device probe stands`,
      };
    }
  }
  const qmp = ['qmp_capabilities', 'query-kvm', 'query-status', 'quit']
    .map((c) => JSON.stringify({ execute: c }))
    .join('\n');
  const r = await exec(
    binary,
    ['-accel', accel, '-machine', 'none', '-nodefaults', '-display', 'none', '-S', '-qmp', 'stdio'],
    { env, input: `${qmp}\n`, allowFailure: true, timeoutMs: 60_000 },
  );
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
  if (!answers.some((a) => a.QMP) || !kvm) {
    const why = lastLine(r.stderr) || `exit ${r.code}`;
    return { ok: false, detail: `${binary} -accel ${accel} did not start: ${why}` };
  }
  if (accel === 'kvm' && !kvm.enabled) {
    return { ok: false, detail: `${binary} started, but query-kvm says KVM is not enabled` };
  }
  if (accel === 'tcg' && kvm.enabled) {
    return { ok: false, detail: `${binary} -accel tcg reports KVM enabled` };
  }
  return {
    ok: true,
    detail: `${binary} started with -accel ${accel}; query-kvm: enabled=${kvm.enabled}`,
  };
}
