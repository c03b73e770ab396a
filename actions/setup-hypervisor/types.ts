import type { BaseDeps } from '../../shared/action/action.js';
import type { HypervisorMode } from '../../shared/profile.js';
import type { AccessResult } from './device-access.js';
import type { Accelerator, Hypervisor, HypervisorFallback, Nested } from './detect.js';
import type { DomainCheck, LibvirtResult } from './libvirt.js';
import type { InstallResult } from './packages.js';
import type { DeviceKind, DeviceProbe } from './probe.js';
import type { RunnerUser } from './runner-users.js';
import type { VerifyResult } from './verify.js';

export interface Options {
  mode: HypervisorMode;
  fallback: HypervisorFallback;
  /** As given: the word `libvirt` is expanded for the host's architecture. */
  packages: string[];
  cache: boolean;
  startLibvirt: boolean;
  deviceAccess: boolean;
  /**
   * true: QEMU starts on the accelerator (QMP); `boot`: QEMU boots a test guest on it;
   * undefined: true when QEMU is installed.
   */
  verify?: boolean | 'boot';
  kvmDevice: string;
  mshvDevice: string;
  /** The profile's env map, exported to later steps along with the action's own variables. */
  profileEnv: Record<string, string>;
}

export interface Deps extends BaseDeps {
  /** Where the udev rule goes: /etc/udev/rules.d; tests give a folder of their own. */
  udevRulesDir: string;
  /** Where apt keeps the downloaded .deb files: the folder the Actions cache carries. */
  aptArchives: string;
  /**
   * Reinstall packages that are already installed, so that their .debs are downloaded and
   * cached too (tests and the benchmark, on machines that already have QEMU): the machine is
   * treated as a fresh runner, on which nothing is installed yet and nothing is skipped.
   */
  aptReinstall: boolean;
  /** The workspace: its owner is a runner user when the step runs as root. */
  workspace?: string;
  /**
   * The guest the KVM probe runs (real-mode code, hex); the probe's own test guest when unset.
   * Tests give one that stops with an emulation failure, to stand for a KVM that cannot run.
   */
  kvmTestGuest?: string;
}

export interface PackagesResult extends InstallResult {
  packages: string[];
  cacheKey?: string;
  cacheHit: boolean;
  cacheNote?: string;
  /** Time spent restoring, installing and saving, for the summary and the benchmark. */
  ms: { restore: number; install: number; save: number };
}

/** What the run found and did, filled in step by step: a failed run reports as much as there is. */
export interface Findings {
  packages?: PackagesResult;
  /** One entry per device (and runner user, as root) that device-access looked at. */
  access: AccessResult[];
  /** As root: the users the devices and libvirt were opened to (SUDO_USER, the workspace's owner). */
  runnerUsers?: RunnerUser[];
  probes: Partial<Record<DeviceKind, DeviceProbe>>;
  nested?: Nested;
  qemuVersion?: string;
  libvirt?: LibvirtResult;
  domain?: DomainCheck;
  verify?: VerifyResult;
  warnings: string[];
  /** Facts worth a line in the log and summary that need no attention. */
  notes: string[];
}

/** A finished run: what the job got (what the root action reads), and everything found on the way. */
export interface Result extends Findings {
  hypervisor: Hypervisor;
  accelerator: Accelerator;
  /** The device in use; empty under emulation. */
  device: string;
  /**
   * True when a device was looked for (mode auto, kvm or mshv) and the job got emulation
   * instead; `fallbackReason` says why.
   */
  fellBack: boolean;
  fallbackReason?: string;
  nested: Nested;
  /** Exported to later steps: VIRT_CI_HYPERVISOR, VIRT_CI_ACCELERATOR, LIBVIRT_DEFAULT_URI, the profile's env. */
  env: Record<string, string>;
}

/** setup-hypervisor saves nothing for a post step. */
export type State = never;
