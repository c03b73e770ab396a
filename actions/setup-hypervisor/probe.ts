import os from 'node:os';
import { errorMessage } from '../../shared/errors.js';
import { exec, findExecutable, lastLine } from '../../shared/exec.js';

/**
 * Ask a hypervisor device whether it works, the way a VMM would: open it read-write, create a
 * VM and run a vCPU of it. Node has no ioctl or mmap of a device, so the probe is a short
 * Python script: python3 is on every runner image (Perl may be missing on a slim one), and its
 * standard library has fcntl.ioctl, mmap (the vCPU's kvm_run page, which a Perl without
 * File::Map cannot map) and ctypes (the guest memory's address). The script gets the device
 * path, the user and the guest as arguments, never inside its text.
 *
 * KVM (Documentation/virt/kvm/api.rst): KVM_GET_API_VERSION must answer 12; KVM_CREATE_VM
 * (type 0) must hand back a VM; then 64 KiB of guest memory (KVM_SET_USER_MEMORY_REGION), a
 * vCPU (KVM_CREATE_VCPU, its kvm_run page mapped), CS and RIP pointed at a few real-mode
 * instructions at 0x1000 (KVM_SET_SREGS, KVM_SET_REGS), and KVM_RUN until the guest stops.
 * The guest writes 'K' to port 0x3f8 and halts: KVM_EXIT_IO then KVM_EXIT_HLT is a vCPU that
 * runs; KVM_EXIT_INTERNAL_ERROR, FAIL_ENTRY or SHUTDOWN is a KVM that cannot run a guest.
 * Only x86 gets a guest; elsewhere the probe stops at the VM and says so.
 * MSHV (include/uapi/linux/mshv.h): MSHV_CREATE_PARTITION (_IOW(0xB8, 0x00, struct
 * mshv_create_partition), 16 bytes: pt_flags, pt_isolation) with default flags and no
 * isolation must hand back a partition descriptor; the partition is never initialized and
 * goes away when the descriptor is closed.
 */
export type DeviceKind = 'kvm' | 'mshv';

const KVM_API_VERSION = 12;

/** mov dx, 0x3f8; mov al, 'K'; out dx, al; hlt — in real mode at 0x1000. */
export const TEST_GUEST = 'baf803b04beef4';
/** The exit the test guest's `out` makes: direction out (1), port 0x3f8, the byte 'K'. */
const GUEST_OUT = '1:3f8:4b';

const PROBE = String.raw`
import ctypes, fcntl, mmap, os, platform, signal, struct, sys
kind, path, user, guest = sys.argv[1:5]
def say(*a): print('\t'.join(str(x) for x in a), flush=True)
def fail(step, e):
    say(step, e.errno or -1)
    sys.exit(0)
if user:
    import pwd
    try:
        pw = pwd.getpwnam(user)
        os.initgroups(user, pw.pw_gid)
        os.setgid(pw.pw_gid)
        os.setuid(pw.pw_uid)
    except (KeyError, OSError) as e:
        sys.stderr.write('cannot probe as %s: %s\n' % (user, e))
        sys.exit(3)
try:
    fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
except OSError as e:
    fail('open', e)
say('open', 0)
if kind == 'mshv':
    try:
        os.close(fcntl.ioctl(fd, 0x4010B800, bytearray(16), True))
    except OSError as e:
        fail('create', e)
    say('create', 0)
    sys.exit(0)
try:
    v = fcntl.ioctl(fd, 0xAE00, 0)
except OSError as e:
    fail('api', e)
say('api', 0, v)
if v != 12:
    sys.exit(0)
try:
    vm = fcntl.ioctl(fd, 0xAE01, 0)
except OSError as e:
    fail('create', e)
say('create', 0)
if platform.machine() not in ('x86_64', 'i386', 'i686'):
    say('guest', 0, 'skip', platform.machine())
    sys.exit(0)
try:
    mem = mmap.mmap(-1, 0x10000)
    code = bytes.fromhex(guest)
    mem[0x1000:0x1000 + len(code)] = code
    addr = ctypes.addressof(ctypes.c_char.from_buffer(mem))
    fcntl.ioctl(vm, 0x4020AE46, struct.pack('IIQQQ', 0, 0, 0, 0x10000, addr))
    cpu = fcntl.ioctl(vm, 0xAE41, 0)
    run = mmap.mmap(cpu, fcntl.ioctl(fd, 0xAE04, 0), mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
    sregs = bytearray(312)
    fcntl.ioctl(cpu, 0x8138AE83, sregs, True)
    struct.pack_into('QIH', sregs, 0, 0, 0xFFFF, 0)
    fcntl.ioctl(cpu, 0x4138AE84, bytes(sregs))
    regs = bytearray(144)
    struct.pack_into('QQ', regs, 128, 0x1000, 2)
    fcntl.ioctl(cpu, 0x4090AE82, bytes(regs))
except OSError as e:
    fail('vcpu', e)
say('vcpu', 0)
class Late(Exception): pass
def late(*_): raise Late()
signal.signal(signal.SIGALRM, late)
signal.alarm(10)
for _ in range(8):
    try:
        fcntl.ioctl(cpu, 0xAE80, 0)
    except Late:
        say('exit', 0, 'timeout')
        break
    except OSError as e:
        fail('guest', e)
    reason = struct.unpack_from('I', run, 8)[0]
    if reason == 2:
        d, size, port, count, off = struct.unpack_from('BBHIQ', run, 32)
        say('exit', 0, reason, '%d:%x:%s' % (d, port, run[off:off + size * count].hex()))
        continue
    say('exit', 0, reason, struct.unpack_from('Q' if reason == 9 else 'I', run, 32)[0])
    break
`;

/** open, API version, VM/partition, vCPU set-up, the guest's run; `run`: the probe itself. */
export type ProbeStep = 'open' | 'api' | 'create' | 'vcpu' | 'guest' | 'run';

export interface DeviceProbe {
  kind: DeviceKind;
  device: string;
  usable: boolean;
  /** The step that failed; `run` means the probe could not run, which says nothing of KVM. */
  failedStep?: ProbeStep;
  /** errno name (ENOENT, EACCES, ENOTTY...) of the failure. */
  code?: string;
  /** A human description of the failure. */
  error?: string;
  apiVersion?: number;
  /** KVM: `ran` when the test guest ran to its halt; `skipped` where there is no test guest. */
  vcpu?: 'ran' | 'skipped';
  /** The user the probe ran as, when not the step's own. */
  user?: string;
}

export interface ProbeOptions {
  env?: NodeJS.ProcessEnv;
  /** Probe as this user (the probe drops root's privileges itself); the step's own when unset. */
  user?: string;
  /** The guest's code as hex, run at 0x1000 in real mode; TEST_GUEST unless a test says. */
  guest?: string;
}

/** The probe as a program and its arguments, so that it can also be run as another user. */
export function probeCommand(
  kind: DeviceKind,
  device: string,
  opts: Omit<ProbeOptions, 'env'> = {},
): { command: string; args: string[] } {
  const guest = opts.guest ?? TEST_GUEST;
  return { command: 'python3', args: ['-c', PROBE, kind, device, opts.user ?? '', guest] };
}

const ERRNO_NAMES: Map<number, string> = new Map(
  Object.entries(os.constants.errno).map(([name, n]) => [n, name]),
);

const STEP_TEXT: Record<ProbeStep, string> = {
  open: 'cannot be opened read-write',
  api: 'does not answer KVM_GET_API_VERSION',
  create: 'refused to create a',
  vcpu: 'could not set up a vCPU (memory, KVM_CREATE_VCPU, registers)',
  guest: 'could not run a vCPU: KVM_RUN failed',
  run: 'could not be probed',
};

/** kvm_run.exit_reason values (include/uapi/linux/kvm.h) a stopped guest can show. */
const EXITS: Record<string, string> = {
  0: 'KVM_EXIT_UNKNOWN',
  1: 'KVM_EXIT_EXCEPTION',
  2: 'KVM_EXIT_IO',
  4: 'KVM_EXIT_DEBUG',
  5: 'KVM_EXIT_HLT',
  6: 'KVM_EXIT_MMIO',
  8: 'KVM_EXIT_SHUTDOWN (triple fault)',
  9: 'KVM_EXIT_FAIL_ENTRY',
  17: 'KVM_EXIT_INTERNAL_ERROR',
};
const INTERNAL: Record<string, string> = {
  1: 'emulation failure',
  2: 'simultaneous exceptions',
  3: 'delivery event',
};

function exitText(reason: string, detail = ''): string {
  const name = EXITS[reason] ?? `exit reason ${reason}`;
  if (reason === '17') return `${name} (suberror ${detail}: ${INTERNAL[detail] ?? 'unknown'})`;
  if (reason === '9')
    return `${name} (hardware entry failure reason 0x${Number(detail).toString(16)})`;
  if (reason === '2') return `${name} (${detail}, expected ${GUEST_OUT})`;
  return name;
}

/** Read the probe's tab-separated lines ("step errno [value...]") into a verdict. */
export function parseProbe(kind: DeviceKind, device: string, stdout: string): DeviceProbe {
  const result: DeviceProbe = { kind, device, usable: false };
  const fail = (step: ProbeStep, error: string, code?: string): DeviceProbe => ({
    ...result,
    usable: false,
    failedStep: step,
    ...(code ? { code } : {}),
    error,
  });
  let wroteOut = false;
  for (const line of stdout.split('\n')) {
    const [step, errno, value, detail] = line.split('\t');
    if (!step || errno === undefined) continue;
    const n = Number(errno);
    if (n !== 0) {
      const code = ERRNO_NAMES.get(n) ?? `errno ${n}`;
      const what =
        step === 'create' ? `${STEP_TEXT.create} ${kind === 'kvm' ? 'VM' : 'partition'}` : '';
      const text = what || STEP_TEXT[step as ProbeStep] || step;
      return fail(step as ProbeStep, `${text}: ${code} (${describeErrno(code)})`, code);
    }
    if (step === 'api') {
      result.apiVersion = Number(value);
      if (result.apiVersion !== KVM_API_VERSION) {
        return fail(
          'api',
          `answers KVM API version ${result.apiVersion}, expected ${KVM_API_VERSION}`,
        );
      }
    }
    if (step === 'create' && kind === 'mshv') result.usable = true;
    if (step === 'guest' && value === 'skip') {
      // No test guest for this architecture: the VM is as far as the probe can go.
      return { ...result, usable: true, vcpu: 'skipped' };
    }
    if (step === 'exit') {
      if (value === 'timeout') {
        return fail('guest', "ran a vCPU that did not reach the test guest's hlt within 10 s");
      }
      if (value === '2' && detail === GUEST_OUT && !wroteOut) {
        wroteOut = true;
        continue;
      }
      if (value === '5' && wroteOut) return { ...result, usable: true, vcpu: 'ran' };
      return fail(
        'guest',
        `ran a vCPU that stopped the test guest with ${exitText(value ?? '', detail)}`,
      );
    }
  }
  if (!result.usable) {
    return fail(
      'run',
      kind === 'kvm' && result.apiVersion
        ? 'the probe ended before its vCPU stopped'
        : 'the probe ended without an answer',
    );
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
  EFAULT: 'bad address',
};

function describeErrno(code: string): string {
  return ERRNO_TEXT[code] ?? code.toLowerCase();
}

export async function probeDevice(
  kind: DeviceKind,
  device: string,
  opts: ProbeOptions = {},
): Promise<DeviceProbe> {
  const { command, args } = probeCommand(kind, device, opts);
  const { env } = opts;
  const who = opts.user ? { user: opts.user } : {};
  const cannotRun = (why: string): DeviceProbe => ({
    kind,
    device,
    usable: false,
    failedStep: 'run',
    error: `the probe could not run: ${why}`,
    ...who,
  });
  if (!findExecutable(command, env?.PATH ?? process.env.PATH ?? '')) {
    return cannotRun(`${command} is not installed or not on PATH (the probe runs through it)`);
  }
  try {
    const r = await exec(command, args, { env, allowFailure: true, timeoutMs: 30_000 });
    if (r.code !== 0) return cannotRun(lastLine(r.stderr) || `exit ${r.code}`);
    return { ...parseProbe(kind, device, r.stdout), ...who };
  } catch (err) {
    return cannotRun(errorMessage(err));
  }
}
