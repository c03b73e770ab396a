import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError, errorMessage, quote } from '../../shared/errors.js';
import { exec, lastLine } from '../../shared/exec.js';
import { asRoot, forInput, isRoot } from './privileged.js';

/**
 * apt packages, installed so that their install scripts run (users, groups, systemd units,
 * udev rules: what qemu and libvirt need), with the downloaded .deb files kept in a directory
 * of their own that the Actions cache can carry to the next run.
 */

/** The usual QEMU/libvirt set that the word `libvirt` stands for, by dpkg architecture. */
export function libvirtSet(arch: string): string[] {
  const qemu = arch === 'arm64' ? 'qemu-system-arm' : 'qemu-system-x86';
  return [qemu, 'qemu-utils', 'libvirt-daemon-system', 'libvirt-clients'];
}

// Debian policy: lower case letters, digits, + - . ; optional :arch and =version.
const PACKAGE = /^[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?(=[A-Za-z0-9.+~:-]+)?$/;

export function expandPackages(items: readonly string[], arch: string): string[] {
  const out: string[] = [];
  for (const item of items) {
    const names = item === 'libvirt' ? libvirtSet(arch) : [item];
    for (const name of names) {
      if (!PACKAGE.test(name)) {
        throw new UserError(
          `input "packages": ${quote(name)} is not a Debian package name; allowed: names like qemu-utils (optionally :arch or =version), or the word libvirt`,
        );
      }
      if (!out.includes(name)) out.push(name);
    }
  }
  return out;
}

export interface OsRelease {
  id: string;
  versionId: string;
}

export function osRelease(file = '/etc/os-release'): OsRelease {
  const fields: Record<string, string> = {};
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const m = /^([A-Z_]+)=("?)(.*)\2$/.exec(line.trim());
      if (m) fields[m[1]] = m[3];
    }
  } catch {
    // Not every host has it; the key then says "unknown" and still separates hosts that do.
  }
  return { id: fields.ID || 'unknown', versionId: fields.VERSION_ID || 'unknown' };
}

export async function dpkgArchitecture(env?: NodeJS.ProcessEnv): Promise<string> {
  const r = await exec('dpkg', ['--print-architecture'], { env });
  return r.stdout.trim();
}

export interface InstallOptions {
  packages: string[];
  /** dpkg's native architecture: what a name without `:arch` is installed for. */
  arch: string;
  /** Where apt keeps the downloaded .deb files: the directory the Actions cache carries. */
  archives: string;
  /**
   * Reinstall packages that are already installed (their .debs are downloaded and cached too):
   * nothing counts as installed, as on a fresh runner.
   */
  reinstall?: boolean;
  /** The step's environment; apt runs with it, non-interactive. */
  env: NodeJS.ProcessEnv;
  onLine?: (line: string) => void;
}

export interface InstallResult {
  /** .deb files apt fetched from the network in this run. */
  downloaded: number;
  downloadedBytes: number;
  /** .deb files in the archive directory after the install. */
  debs: number;
  /** Whether `apt-get update` had to run. */
  updated: boolean;
  /** Stale .deb files removed: versions no longer installed. */
  pruned: number;
  /** Packages asked for that were installed already at the version wanted; apt was not run for them. */
  alreadyInstalled: string[];
}

export function debFiles(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.deb')) out.set(name, statSync(path.join(dir, name)).size);
  }
  return out;
}

const NEEDS_UPDATE =
  /Unable to locate package|404\s+Not Found|Unable to fetch some archives|has no installation candidate|Failed to fetch/;

export async function installPackages(opts: InstallOptions): Promise<InstallResult> {
  try {
    mkdirSync(path.join(opts.archives, 'partial'), { recursive: true });
  } catch (err) {
    throw new UserError(
      `input "packages": cannot create the .deb directory ${opts.archives}: ${errorMessage(err)}`,
    );
  }
  const before = debFiles(opts.archives);
  // dpkg's install scripts are most of a run's time: a package already installed at the
  // version wanted is not handed to apt at all, and with nothing left apt does not start.
  const alreadyInstalled = opts.reinstall
    ? []
    : await installedAlready(opts.packages, opts.arch, [...before.keys()], opts.env);
  const todo = opts.packages.filter((p) => !alreadyInstalled.includes(p));
  const updated = todo.length ? await aptInstall(todo, opts) : false;
  const pruned = await pruneDebs(opts.archives, opts.env);
  const after = debFiles(opts.archives);
  let downloaded = 0;
  let downloadedBytes = 0;
  for (const [name, size] of after) {
    if (!before.has(name)) {
      downloaded++;
      downloadedBytes += size;
    }
  }
  return { downloaded, downloadedBytes, debs: after.size, updated, pruned, alreadyInstalled };
}

/** `apt-get install` of `packages`; says whether the package lists had to be refreshed. */
async function aptInstall(packages: string[], opts: InstallOptions): Promise<boolean> {
  const args = [
    'install',
    '-y',
    '--no-install-recommends',
    '-o',
    `Dir::Cache::Archives=${opts.archives}`,
    // apt-get keeps its downloads by default; say so, since that is what the cache carries.
    '-o',
    'APT::Keep-Downloaded-Packages=true',
    '-o',
    'Dpkg::Use-Pty=0',
    // A fresh runner may still be running unattended-upgrades: wait for dpkg's lock.
    '-o',
    'DPkg::Lock::Timeout=300',
    ...(opts.reinstall ? ['--reinstall'] : []),
    '--',
    ...packages,
  ];
  const env = { ...opts.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    forInput('packages', 'apt-get install', () =>
      asRoot('apt-get', args, { env, allowFailure: true, onLine: (l) => opts.onLine?.(l) }),
    );
  let updated = false;
  let r = await install();
  // Package lists on a runner image go stale; refresh them only when apt says so, so that a
  // run served from cached .debs stays off the network.
  if (r.code !== 0 && NEEDS_UPDATE.test(r.stdout + r.stderr)) {
    await forInput('packages', 'apt-get update', () =>
      asRoot('apt-get', ['update', '-q'], { env, onLine: (l) => opts.onLine?.(l) }),
    );
    updated = true;
    r = await install();
  }
  if (r.code !== 0) {
    const last = lastLine(r.stderr) || lastLine(r.stdout);
    throw new UserError(
      `input "packages": apt-get install ${packages.join(' ')} failed (exit ${r.code}): ${last}`,
    );
  }
  if (!isRoot() && typeof process.getuid === 'function' && typeof process.getgid === 'function') {
    // apt wrote as root; the cache's tar runs as the runner user and must read every file.
    await asRoot('chown', ['-R', `${process.getuid()}:${process.getgid()}`, '--', opts.archives], {
      env,
    });
  }
  return updated;
}

/** One line of `dpkg-query -W` with INSTALLED_FORMAT. */
export interface InstalledPackage {
  name: string;
  arch: string;
  /** dpkg's status abbreviation: `ii ` is installed and wanted. */
  status: string;
  version: string;
}

export const INSTALLED_FORMAT =
  '${Package}\\t${Architecture}\\t${db:Status-Abbrev}\\t${Version}\\n';

export function parseInstalled(stdout: string): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  for (const line of stdout.split('\n')) {
    const [name, arch, status, version] = line.split('\t');
    if (name && arch && status && version) out.push({ name, arch, status, version });
  }
  return out;
}

/**
 * The packages asked for that need no apt: installed (and wanted, and not half-configured)
 * for the architecture asked for, at the version wanted. The version wanted is the one pinned
 * with `=version`; without a pin, the one of that package's .deb in the archive directory
 * (what the cache says this set installs), where there is one. A package with no pin and no
 * .deb is left to apt as before: apt knows whether its lists hold a newer version.
 */
export function alreadyInstalled(
  packages: readonly string[],
  arch: string,
  installed: readonly InstalledPackage[],
  debs: readonly string[],
): string[] {
  const cached = debs.map(debParts).filter((d) => d !== undefined);
  return packages.filter((spec) => {
    const m = /^([^:=]+)(?::([^=]+))?(?:=(.+))?$/.exec(spec);
    if (!m) return false;
    const [, name, wantArch = arch, pin] = m;
    const forArch = (a: string) => a === wantArch || a === 'all';
    const have = installed.find(
      (p) => p.name === name && forArch(p.arch) && /^[ih]i $/.test(p.status),
    );
    if (!have) return false;
    if (pin !== undefined) return have.version === pin;
    const versions = cached.filter((d) => d.name === name && forArch(d.arch));
    return versions.some((d) => d.version === have.version);
  });
}

async function installedAlready(
  packages: readonly string[],
  arch: string,
  debs: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<string[]> {
  const names = packages.map((p) => p.replace(/=.*$/, ''));
  // Exit 1 names what dpkg has never heard of; the others are still listed.
  const r = await exec('dpkg-query', ['-W', `-f=${INSTALLED_FORMAT}`, '--', ...names], {
    env,
    allowFailure: true,
  }).catch(() => undefined);
  // Without an answer nothing is skipped: apt then installs, or says what is wrong.
  return r ? alreadyInstalled(packages, arch, parseInstalled(r.stdout), debs) : [];
}

/** `name_version_arch.deb`, with the epoch's colon written %3a, as apt names its downloads. */
export function parseDebName(file: string): { name: string; version: string } | undefined {
  const d = debParts(file);
  return d ? { name: d.name, version: d.version } : undefined;
}

function debParts(file: string): { name: string; version: string; arch: string } | undefined {
  const m = /^([^_]+)_([^_]+)_([^_]+)\.deb$/.exec(file);
  return m ? { name: m[1], version: decodeURIComponent(m[2]), arch: m[3] } : undefined;
}

/**
 * Drop .debs of versions that are no longer the installed ones, so the cached directory does
 * not grow with every update of the archive.
 */
export async function pruneDebs(dir: string, env?: NodeJS.ProcessEnv): Promise<number> {
  const debs = [...debFiles(dir).keys()]
    .map((file) => ({ file, ...parseDebName(file) }))
    .filter((d): d is { file: string; name: string; version: string } => !!d.name);
  if (!debs.length) return 0;
  const names = [...new Set(debs.map((d) => d.name))];
  const r = await exec('dpkg-query', ['-W', '-f=${Package} ${Version}\\n', '--', ...names], {
    env,
    allowFailure: true,
  });
  const installed = new Map<string, Set<string>>();
  for (const line of r.stdout.split('\n')) {
    const [name, version] = line.trim().split(' ');
    if (!name || !version) continue;
    installed.set(name, (installed.get(name) ?? new Set()).add(version));
  }
  let pruned = 0;
  for (const d of debs) {
    const versions = installed.get(d.name);
    if (versions && !versions.has(d.version)) {
      rmSync(path.join(dir, d.file), { force: true });
      pruned++;
    }
  }
  return pruned;
}
