import { failed, type Outcome } from '../../shared/action/outcome.js';
import { UserError, errorMessage } from '../../shared/errors.js';
import { choose, emulationChoice, nestedState, type HypervisorChoice } from './detect.js';
import { ensureDeviceAccess } from './device-access.js';
import { domainType, startLibvirt } from './libvirt.js';
import { isRoot } from './privileged.js';
import { probeDevice, type DeviceKind, type DeviceProbe } from './probe.js';
import { reportFailure, reportResult } from './report.js';
import type { Deps, Findings, Options, PackagesResult, Result, State } from './types.js';
import { runnerUsers } from './runner-users.js';
import {
  bootAccelerator,
  qemuBinary,
  qemuInstalled,
  qemuVersion,
  verifyAccelerator,
} from './verify.js';

/** Per device, the ways to undo what device-access changed and kept. */
type Undo = Map<string, Array<() => Promise<void>>>;

/**
 * The whole setup, in the order a job needs it: packages, the devices, the hypervisor chosen
 * from what the devices answered, libvirt, then QEMU's proof that the accelerator works. A
 * step that fails ends the run with what the steps before it found.
 */
export async function run(options: Options, deps: Deps): Promise<Outcome<Result, State>> {
  const found: Findings = { access: [], probes: {}, warnings: [], notes: [] };
  try {
    return reportResult(options, await setUp(options, deps, found));
  } catch (err) {
    return failed(err, reportFailure(options, found, errorMessage(err)));
  }
}

async function setUp(options: Options, deps: Deps, found: Findings): Promise<Result> {
  if (options.packages.length) {
    const list = options.packages.join(' ');
    found.packages = await deps.log.group(`packages: ${list}`, () => installStep(options, deps));
  }
  const undo: Undo = new Map();
  const grants = options.startLibvirt || (options.deviceAccess && options.mode !== 'emulation');
  if (grants && isRoot()) found.runnerUsers = await runnerUsers(deps.workspace, deps.env);
  await probeStep(options, deps, found, undo);
  let choice = choose(options.mode, options.fallback, found.probes);
  found.nested = choice.hypervisor === 'kvm' ? nestedState() : 'unknown';
  const verify = qemuStep(options, deps);
  if (verify.installed) found.qemuVersion = await qemuVersion(qemuBinary(), deps.env);
  if (options.startLibvirt) {
    found.libvirt = await startLibvirt({ env: deps.env, users: found.runnerUsers });
    deps.log.info(`libvirt: ${found.libvirt.started.join(', ')}; ${found.libvirt.version ?? ''}`);
  }
  if (verify.check) {
    choice = await verifyStep(options, deps, choice, found, undo);
  } else if (found.libvirt) {
    // Not a gate without verify, but still worth showing what libvirt offers.
    found.domain = await domainType(choice.accelerator, deps.env);
    if (found.domain.error) found.warnings.push(`virsh domcapabilities: ${found.domain.error}`);
  }
  if (choice.fellBack) {
    // auto ending on emulation is what auto means; an explicit mode falling back is news.
    const line = `fell back to emulation: ${choice.fellBack}`;
    if (options.mode === 'auto') found.notes.push(`No hypervisor device: ${line}`);
    else found.warnings.push(line);
  }
  return settle(options, choice, found);
}

/**
 * The devices the mode looks at, made usable first when device-access allows; as root, made
 * usable for the runner users too, as the non-root path makes them usable for its own user.
 * Every change kept is remembered in `undo`, for a QEMU check that then fails.
 */
async function probeStep(options: Options, deps: Deps, found: Findings, undo: Undo): Promise<void> {
  const devices: Record<DeviceKind, string> = {
    kvm: options.kvmDevice,
    mshv: options.mshvDevice,
  };
  const wanted: DeviceKind[] =
    options.mode === 'auto' ? ['mshv', 'kvm'] : options.mode === 'emulation' ? [] : [options.mode];
  const probe = (kind: DeviceKind, device: string, user?: string) =>
    probeDevice(kind, device, { env: deps.env, user, guest: deps.kvmTestGuest });
  for (const kind of wanted) {
    const device = devices[kind];
    const access = (user?: string) =>
      ensureDeviceAccess({
        kind,
        device,
        rulesDir: deps.udevRulesDir,
        env: deps.env,
        probe: (k, d) => probe(k, d, user),
        ...(user ? { user } : {}),
        onKept: (fn) => undo.set(device, [...(undo.get(device) ?? []), fn]),
      });
    let p: DeviceProbe;
    if (options.deviceAccess) {
      const own = await access();
      found.access.push(own);
      if (!own.ok) found.notes.push(`device-access ${device}: ${own.note}`);
      p = own.probe;
      // Only a device that works is worth opening to others.
      for (const user of p.usable ? (found.runnerUsers ?? []) : []) {
        const theirs = await access(user.name);
        found.access.push(theirs);
        if (!theirs.ok || !theirs.probe.usable) {
          found.warnings.push(
            `device-access ${device} for ${user.name} (${user.why}): ${theirs.note ?? theirs.probe.error}`,
          );
        }
      }
    } else {
      p = await probe(kind, device);
    }
    found.probes[kind] = p;
    deps.log.info(`${device}: ${p.usable ? 'usable' : p.error}`);
  }
}

/** Whether QEMU is here, and so whether the accelerator is checked. */
function qemuStep(options: Options, deps: Deps): { installed: boolean; check: boolean } {
  const installed = qemuInstalled(deps.env.PATH ?? '');
  const check = (options.verify ?? installed) !== false;
  if (check && !installed) {
    throw new UserError(
      `input "verify": ${qemuBinary()} is not installed; add libvirt (or qemu-system-x86) to packages, or set verify: false`,
    );
  }
  return { installed, check };
}

/**
 * QEMU on the chosen accelerator. A device that opens but fails the check is treated like an
 * unavailable one: emulation where auto or the fallback allows it, else a failure that says so.
 */
async function verifyStep(
  options: Options,
  deps: Deps,
  chosen: HypervisorChoice,
  found: Findings,
  undo: Undo,
): Promise<HypervisorChoice> {
  let choice = chosen;
  let check = await verifyAndOffer(options, choice, deps, found);
  if (!check.ok && choice.hypervisor !== 'emulation') {
    const reason = check.detail;
    await undoAccess(choice.device, undo, found);
    if (options.mode !== 'auto' && options.fallback !== 'emulation') {
      throw new UserError(
        `input "mode": ${choice.hypervisor} was found on ${choice.device} but does not work: ${reason}; set fallback: emulation to run under QEMU emulation (TCG), or verify: false to skip this check`,
      );
    }
    choice = emulationChoice(
      `${choice.hypervisor} on ${choice.device} opens but fails the QEMU check: ${reason}`,
    );
    found.nested = 'unknown';
    check = await verifyAndOffer(options, choice, deps, found);
  }
  if (!check.ok) throw new UserError(`input "verify": ${check.detail}`);
  return choice;
}

/** What device-access changed for a device that then failed QEMU's check, undone. */
async function undoAccess(device: string, undo: Undo, found: Findings): Promise<void> {
  const steps = undo.get(device);
  if (!steps?.length) return;
  undo.delete(device);
  for (const step of steps.reverse()) await step();
  for (const a of found.access.filter((x) => x.device === device && x.actions.length)) {
    a.actions.push('undone: the QEMU check failed');
  }
}

/** QEMU on the accelerator, and libvirt's word that it offers it, when libvirt runs. */
async function verifyAndOffer(
  options: Options,
  choice: HypervisorChoice,
  deps: Deps,
  found: Findings,
) {
  const how = options.verify === 'boot' ? bootAccelerator : verifyAccelerator;
  const check = await how(choice.accelerator, { env: deps.env, device: choice.device });
  found.verify = check;
  if (!check.ok || !found.libvirt) return check;
  found.domain = await domainType(choice.accelerator, deps.env);
  if (found.domain.error) {
    return {
      ok: false,
      detail: `virsh domcapabilities --virttype ${choice.accelerator === 'kvm' ? 'kvm' : 'qemu'}: ${found.domain.error}`,
    };
  }
  return check;
}

/** The finished result: the choice made, and the variables later steps see. */
function settle(options: Options, choice: HypervisorChoice, found: Findings): Result {
  return {
    ...found,
    hypervisor: choice.hypervisor,
    accelerator: choice.accelerator,
    device: choice.device,
    fellBack: choice.fellBack !== undefined,
    ...(choice.fellBack !== undefined ? { fallbackReason: choice.fellBack } : {}),
    nested: found.nested ?? 'unknown',
    env: {
      ...options.profileEnv,
      VIRT_CI_HYPERVISOR: choice.hypervisor,
      VIRT_CI_ACCELERATOR: choice.accelerator,
      ...(found.libvirt ? { LIBVIRT_DEFAULT_URI: found.libvirt.uri } : {}),
    },
  };
}

/**
 * apt packages, with their .debs restored from and saved to the Actions cache when asked.
 * Saved only after a good install, and only when the folder differs from the entry it came
 * from (entries are immutable): a warm run with nothing new saves nothing.
 */
async function installStep(options: Options, deps: Deps): Promise<PackagesResult> {
  // apt and the cache client load only for a step that installs something.
  const [{ debFiles, dpkgArchitecture, expandPackages, installPackages, osRelease }, cache] =
    await Promise.all([import('./packages.js'), import('./deb-cache.js')]);
  const { cacheKey, contentKey, restoreDebs, saveDebs } = cache;
  const { aptArchives: archives, log } = deps;
  const arch = await dpkgArchitecture(deps.env);
  const names = expandPackages(options.packages, arch);
  const base = options.cache ? cacheKey(names, osRelease(), arch) : undefined;
  let matched: string | undefined;
  let cacheNote: string | undefined;
  const ms: PackagesResult['ms'] = { restore: 0, install: 0, save: 0 };
  let t = Date.now();
  if (base) {
    const restored = await restoreDebs(archives, base);
    ms.restore = Date.now() - t;
    matched = restored.matched;
    cacheNote = restored.note;
    log.info(`apt cache ${base}: ${matched ? `restored ${matched}` : `miss (${restored.note})`}`);
  }
  t = Date.now();
  const installed = await installPackages({
    packages: names,
    arch,
    archives,
    reinstall: deps.aptReinstall,
    env: deps.env,
    onLine: (line) => log.info(line),
  });
  ms.install = Date.now() - t;
  let key = matched;
  if (base && installed.debs > 0) {
    key = contentKey(base, debFiles(archives).keys());
    if (key !== matched) {
      t = Date.now();
      cacheNote = await saveDebs(archives, key);
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
