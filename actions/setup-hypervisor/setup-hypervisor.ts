import os from 'node:os';
import path from 'node:path';
import * as core from '@actions/core';
import { UserError, errorMessage } from '../../shared/errors.js';
import { Inputs, parseBoolean } from '../../shared/inputs.js';
import { HYPERVISORS, loadProfileContext, type HypervisorMode } from '../../shared/profile.js';
import { cacheKey, contentKey, restoreDebs, saveDebs } from './deb-cache.js';
import { ensureDeviceAccess, type AccessResult } from './device-access.js';
import {
  ACCELERATOR,
  choose,
  nestedState,
  type Choice,
  type Fallback,
  type Nested,
} from './detect.js';
import { domainType, startLibvirt, type LibvirtResult } from './libvirt.js';
import {
  debFiles,
  dpkgArchitecture,
  expandPackages,
  installPackages,
  osRelease,
  type InstallResult,
} from './packages.js';
import { probeDevice, type DeviceKind, type DeviceProbe } from './probe.js';
import { report, writeFailureSummary } from './report.js';
import {
  qemuBinary,
  qemuInstalled,
  qemuVersion,
  verifyAccelerator,
  type VerifyResult,
} from './verify.js';

export interface Options {
  mode: HypervisorMode;
  fallback: Fallback;
  /** As given: the word `libvirt` is expanded for the host's architecture. */
  packages: string[];
  cache: boolean;
  startLibvirt: boolean;
  deviceAccess: boolean;
  /** undefined: verify when QEMU is installed. */
  verify?: boolean;
  kvmDevice: string;
  mshvDevice: string;
  /** The profile's env map, exported to later steps. */
  env: Record<string, string>;
  udevRulesDir: string;
  aptArchives: string;
  aptReinstall: boolean;
  log: (line: string) => void;
}

export interface PackagesResult extends InstallResult {
  packages: string[];
  cacheKey?: string;
  cacheHit: boolean;
  cacheNote?: string;
  /** Time spent restoring, installing and saving, for the summary and the benchmark. */
  ms: { restore: number; install: number; save: number };
}

export interface Result {
  choice: Choice;
  probes: Partial<Record<DeviceKind, DeviceProbe>>;
  access: AccessResult[];
  nested: Nested;
  qemuVersion?: string;
  packages?: PackagesResult;
  libvirt?: LibvirtResult;
  domain?: { type?: string; error?: string; skipped?: string };
  verify?: VerifyResult;
  env: Record<string, string>;
  warnings: string[];
  /** Facts worth a line in the log and summary that need no attention. */
  notes: string[];
}

/** What a run found so far: the report of a failed run shows it. */
export type Progress = Partial<Result>;

export function defaultOptions(over: Partial<Options> = {}): Options {
  return {
    mode: 'auto',
    fallback: 'none',
    packages: [],
    cache: false,
    startLibvirt: false,
    deviceAccess: true,
    kvmDevice: '/dev/kvm',
    mshvDevice: '/dev/mshv',
    env: {},
    udevRulesDir: process.env.VIRT_CI_UDEV_RULES_DIR || '/etc/udev/rules.d',
    aptArchives:
      process.env.VIRT_CI_APT_ARCHIVES ||
      path.join(os.homedir(), '.cache', 'virt-ci', 'apt-archives'),
    aptReinstall: parseBoolean(
      process.env.VIRT_CI_APT_REINSTALL || 'false',
      'VIRT_CI_APT_REINSTALL',
    ),
    log: () => undefined,
    ...over,
  };
}

/** The whole setup, without the runner: what the entry point calls and the tests drive. */
export async function run(opts: Options, progress: Progress = {}): Promise<Result> {
  const warnings: string[] = [];
  const result: Progress = progress;
  result.warnings = warnings;
  result.notes = [];
  result.access = [];

  if (opts.packages.length) result.packages = await packages(opts);

  const devices: Record<DeviceKind, string> = { kvm: opts.kvmDevice, mshv: opts.mshvDevice };
  const wanted: DeviceKind[] =
    opts.mode === 'auto' ? ['mshv', 'kvm'] : opts.mode === 'emulation' ? [] : [opts.mode];
  const probes: Partial<Record<DeviceKind, DeviceProbe>> = {};
  for (const kind of wanted) {
    if (opts.deviceAccess) {
      const access = await ensureDeviceAccess({
        kind,
        device: devices[kind],
        rulesDir: opts.udevRulesDir,
      });
      result.access!.push(access);
      if (!access.ok) result.notes!.push(`device-access ${devices[kind]}: ${access.note}`);
      probes[kind] = access.probe;
    } else {
      probes[kind] = await probeDevice(kind, devices[kind]);
    }
    opts.log(`${devices[kind]}: ${probes[kind]!.usable ? 'usable' : probes[kind]!.error}`);
  }
  result.probes = probes;
  let choice = choose(opts.mode, opts.fallback, probes);
  result.nested = choice.hypervisor === 'kvm' ? nestedState() : 'unknown';

  const haveQemu = qemuInstalled();
  if (haveQemu) result.qemuVersion = await qemuVersion();
  const verify = opts.verify ?? haveQemu;
  if (verify && !haveQemu) {
    throw new UserError(
      `input "verify": ${qemuBinary()} is not installed; add libvirt (or qemu-system-x86) to packages, or set verify: false`,
    );
  }

  if (opts.startLibvirt) {
    result.libvirt = await startLibvirt();
    opts.log(`libvirt: ${result.libvirt.started.join(', ')}; ${result.libvirt.version ?? ''}`);
  }

  if (verify) {
    let check = await verifyAndOffer(choice, result);
    if (!check.ok && choice.hypervisor !== 'emulation') {
      const reason = check.detail;
      if (opts.mode !== 'auto' && opts.fallback !== 'emulation') {
        throw new UserError(
          `input "mode": ${choice.hypervisor} was found on ${choice.device} but does not work: ${reason}; set fallback: emulation to run under QEMU emulation (TCG), or verify: false to skip this check`,
        );
      }
      choice = {
        hypervisor: 'emulation',
        accelerator: 'tcg',
        device: '',
        fellBack: `${choice.hypervisor} on ${choice.device} opens but fails the QEMU check: ${reason}`,
      };
      result.nested = 'unknown';
      check = await verifyAndOffer(choice, result);
    }
    if (!check.ok) throw new UserError(`input "verify": ${check.detail}`);
  } else if (result.libvirt) {
    // Not a gate without verify, but still worth showing what libvirt offers.
    result.domain = await domainType(choice.accelerator);
    if (result.domain.error) warnings.push(`virsh domcapabilities: ${result.domain.error}`);
  }
  if (choice.fellBack) {
    // auto ending on emulation is what auto means; an explicit mode falling back is news.
    const line = `fell back to emulation: ${choice.fellBack}`;
    if (opts.mode === 'auto') result.notes!.push(`No hypervisor device: ${line}`);
    else warnings.push(line);
  }
  result.choice = choice;

  result.env = {
    ...opts.env,
    VIRT_CI_HYPERVISOR: choice.hypervisor,
    VIRT_CI_ACCELERATOR: ACCELERATOR[choice.hypervisor],
    ...(result.libvirt ? { LIBVIRT_DEFAULT_URI: result.libvirt.uri } : {}),
  };
  return result as Result;
}

/** QEMU on the accelerator, and libvirt's word that it offers it, when libvirt runs. */
async function verifyAndOffer(choice: Choice, result: Partial<Result>): Promise<VerifyResult> {
  const check = await verifyAccelerator(choice.accelerator);
  result.verify = check;
  if (!check.ok || !result.libvirt) return check;
  result.domain = await domainType(choice.accelerator);
  if (result.domain.error) {
    return {
      ok: false,
      detail: `virsh domcapabilities --virttype ${choice.accelerator === 'kvm' ? 'kvm' : 'qemu'}: ${result.domain.error}`,
    };
  }
  return check;
}

async function packages(opts: Options): Promise<PackagesResult> {
  const arch = await dpkgArchitecture();
  const names = expandPackages(opts.packages, arch);
  const base = opts.cache ? cacheKey(names, osRelease(), arch) : undefined;
  let matched: string | undefined;
  let cacheNote: string | undefined;
  const ms: PackagesResult['ms'] = { restore: 0, install: 0, save: 0 };
  let t = Date.now();
  if (base) {
    const restored = await restoreDebs(opts.aptArchives, base);
    ms.restore = Date.now() - t;
    matched = restored.matched;
    cacheNote = restored.note;
    opts.log(`apt cache ${base}: ${matched ? `restored ${matched}` : `miss (${restored.note})`}`);
  }
  t = Date.now();
  const installed = await installPackages({
    packages: names,
    archives: opts.aptArchives,
    reinstall: opts.aptReinstall,
    onLine: opts.log,
  });
  ms.install = Date.now() - t;
  // Saved only after a good install, and only when the directory differs from the entry it
  // came from (entries are immutable): a warm run with nothing new saves nothing.
  let key = matched;
  if (base && installed.debs > 0) {
    key = contentKey(base, debFiles(opts.aptArchives).keys());
    if (key !== matched) {
      t = Date.now();
      cacheNote = await saveDebs(opts.aptArchives, key);
      ms.save = Date.now() - t;
    }
  }
  return {
    ...installed,
    packages: names,
    cacheKey: key ?? base,
    cacheHit: matched !== undefined,
    cacheNote,
    ms,
  };
}

/** Read the inputs (explicit ones win over the profile), run, report. */
export async function main(inputs = new Inputs()): Promise<void> {
  const { settings } = loadProfileContext(inputs);
  const verifyRaw = inputs.raw('verify');
  const opts = defaultOptions({
    mode: inputs.enum<HypervisorMode>('mode', HYPERVISORS, {
      profile: settings.hypervisor,
      default: 'auto',
    }),
    fallback: inputs.enum<Fallback>('fallback', ['none', 'emulation'] as const, {
      profile: settings.fallback,
      default: 'none',
    }),
    packages: inputs.list('packages', { profile: settings.packages, default: [] }),
    cache: inputs.boolean('cache', { default: false }),
    startLibvirt: inputs.boolean('start-libvirt', { default: false }),
    deviceAccess: inputs.boolean('device-access', { default: true }),
    verify: verifyRaw === '' ? undefined : parseBoolean(verifyRaw, 'input "verify"'),
    kvmDevice: inputs.string('kvm-device', { default: '/dev/kvm' }),
    mshvDevice: inputs.string('mshv-device', { default: '/dev/mshv' }),
    env: settings.env,
    log: (line) => core.info(line),
  });
  const progress: Progress = {};
  let result: Result;
  try {
    result = await run(opts, progress);
  } catch (err) {
    await writeFailureSummary(opts, progress, errorMessage(err)).catch(() => undefined);
    throw err;
  }
  await report(opts, result);
}
