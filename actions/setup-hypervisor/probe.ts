import os from 'node:os';
import { errorMessage } from '../../shared/errors.js';
import { exec, lastLine } from '../../shared/exec.js';

/**
 * Ask a hypervisor device whether it works, the way a VMM would: open it read-write and issue
 * the first ioctls of a VM's life. Node has no ioctl, so a few lines of Perl do it (perl-base
 * is Essential on Debian and Ubuntu, hence on every runner image); the script gets the device
 * path as an argument, never inside its text.
 *
 * KVM: KVM_GET_API_VERSION (_IO(0xAE, 0x00)) must answer 12, then KVM_CREATE_VM
 * (_IO(0xAE, 0x01), machine type 0) must hand back a VM file descriptor, closed at once.
 * MSHV (include/uapi/linux/mshv.h): MSHV_CREATE_PARTITION (_IOW(0xB8, 0x00, struct
 * mshv_create_partition), 16 bytes: pt_flags, pt_isolation) with default flags and no
 * isolation must hand back a partition descriptor; the partition is never initialized and
 * goes away when the descriptor is closed.
 */
export type DeviceKind = 'kvm' | 'mshv';

const KVM_API_VERSION = 12;
const KVM_GET_API_VERSION = 0xae00;
const KVM_CREATE_VM = 0xae01;
const MSHV_CREATE_PARTITION = 0x4010b800;

const PROBE = `
use strict;
use Fcntl;
use POSIX ();
my ($kind, $path, $getver, $create) = @ARGV;
$| = 1;
sub say_ { print join("\\t", @_), "\\n" }
sub fail_ { my ($step) = @_; say_($step, 0 + $!); exit 0 }
sysopen(my $fh, $path, O_RDWR) or fail_('open');
say_('open', 0);
if ($kind eq 'kvm') {
  my $v = ioctl($fh, hex($getver), 0);
  defined $v or fail_('api');
  say_('api', 0, $v + 0);
  my $vm = ioctl($fh, hex($create), 0);
  defined $vm or fail_('create');
  POSIX::close($vm + 0);
  say_('create', 0);
} else {
  my $args = pack('QQ', 0, 0);
  my $pt = ioctl($fh, hex($create), $args);
  defined $pt or fail_('create');
  POSIX::close($pt + 0);
  say_('create', 0);
}
`;

export type ProbeStep = 'open' | 'api' | 'create' | 'run';

export interface DeviceProbe {
  kind: DeviceKind;
  device: string;
  usable: boolean;
  /** The step that failed: open the device, ask its API version, create a VM/partition. */
  failedStep?: ProbeStep;
  /** errno name (ENOENT, EACCES, ENOTTY...) of the failure. */
  code?: string;
  /** A human description of the failure. */
  error?: string;
  apiVersion?: number;
}

/** The probe as a program and its arguments, so that it can also be run as another user. */
export function probeCommand(
  kind: DeviceKind,
  device: string,
): { command: string; args: string[] } {
  const getver = KVM_GET_API_VERSION.toString(16);
  const create = (kind === 'kvm' ? KVM_CREATE_VM : MSHV_CREATE_PARTITION).toString(16);
  return { command: 'perl', args: ['-e', PROBE, kind, device, getver, create] };
}

const ERRNO_NAMES: Map<number, string> = new Map(
  Object.entries(os.constants.errno).map(([name, n]) => [n, name]),
);

const STEP_TEXT: Record<ProbeStep, string> = {
  open: 'cannot be opened read-write',
  api: 'does not answer KVM_GET_API_VERSION',
  create: 'refused to create a',
  run: 'could not be probed',
};

/** Read the probe's tab-separated lines ("step errno [value]") into a verdict. */
export function parseProbe(kind: DeviceKind, device: string, stdout: string): DeviceProbe {
  const result: DeviceProbe = { kind, device, usable: false };
  for (const line of stdout.split('\n')) {
    const [step, errno, value] = line.split('\t');
    if (!step || errno === undefined) continue;
    const n = Number(errno);
    if (n !== 0) {
      result.failedStep = step as ProbeStep;
      result.code = ERRNO_NAMES.get(n) ?? `errno ${n}`;
      const what =
        step === 'create' ? `${STEP_TEXT.create} ${kind === 'kvm' ? 'VM' : 'partition'}` : '';
      result.error = `${what || STEP_TEXT[step as ProbeStep] || step}: ${result.code} (${describeErrno(result.code)})`;
      return result;
    }
    if (step === 'api') {
      result.apiVersion = Number(value);
      if (result.apiVersion !== KVM_API_VERSION) {
        result.failedStep = 'api';
        result.error = `answers KVM API version ${result.apiVersion}, expected ${KVM_API_VERSION}`;
        return result;
      }
    }
    if (step === 'create') result.usable = true;
  }
  if (!result.usable && !result.error) {
    result.failedStep = 'run';
    result.error = 'the probe ended without an answer';
  }
  return result;
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'the device node does not exist',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTTY: 'not a KVM/MSHV device: inappropriate ioctl',
  ENODEV: 'no such device: the kernel driver does not answer',
  ENXIO: 'no such device or address',
  EINVAL: 'invalid argument',
  EBUSY: 'device busy',
  ENOMEM: 'out of memory',
  EISDIR: 'is a directory',
  EROFS: 'read-only file system',
};

function describeErrno(code: string): string {
  return ERRNO_TEXT[code] ?? code.toLowerCase();
}

export async function probeDevice(
  kind: DeviceKind,
  device: string,
  env?: NodeJS.ProcessEnv,
): Promise<DeviceProbe> {
  const { command, args } = probeCommand(kind, device);
  try {
    const r = await exec(command, args, { env, allowFailure: true, timeoutMs: 30_000 });
    if (r.code !== 0) {
      return {
        kind,
        device,
        usable: false,
        failedStep: 'run',
        error: `the probe failed: ${lastLine(r.stderr) || `exit ${r.code}`}`,
      };
    }
    return parseProbe(kind, device, r.stdout);
  } catch (err) {
    return {
      kind,
      device,
      usable: false,
      failedStep: 'run',
      error: `the probe could not run: ${errorMessage(err)}`,
    };
  }
}
