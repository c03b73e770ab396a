import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { findExecutable } from '../../shared/exec.js';

/**
 * The system packages the tests use, as `.ci/apt-packages.txt` lists them: the Debian/Ubuntu
 * package, the command that shows it is there and, for a package Debian's archive lacks,
 * where to get it. A machine is checked by command, not by dpkg, so a tool installed another
 * way (kubectl on GitHub's runners) counts as there.
 */
export interface SystemPackage {
  name: string;
  /**
   * What shows the package is there: a command on PATH, or for a package with no command an
   * absolute path it installs (`/usr/include/gtest/gtest.h`).
   */
  command: string;
  /** Where the package comes from when the machine's apt sources have none. */
  source?: string;
}

export const PACKAGE_LIST = path.join('.ci', 'apt-packages.txt');

export function readPackageList(repoRoot: string): SystemPackage[] {
  const file = path.join(repoRoot, PACKAGE_LIST);
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line, i) => ({ words: line.replace(/#.*/, '').trim().split(/\s+/), line: i + 1 }))
    .filter(({ words }) => words[0])
    .map(({ words, line }) => {
      if (words.length < 2 || words.length > 3)
        throw new Error(`${PACKAGE_LIST}:${line}: expected "package command [source]"`);
      const [name, command, source] = words;
      return { name, command, ...(source ? { source } : {}) };
    });
}

// Daemons such as libvirtd live in sbin, which a non-root user's PATH often lacks.
const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

export function findCommand(
  command: string,
  searchPath = process.env.PATH ?? '',
): string | undefined {
  return findExecutable(command, searchPath, SBIN);
}

export function missingPackages(
  packages: readonly SystemPackage[],
  searchPath = process.env.PATH ?? '',
): SystemPackage[] {
  return packages.filter((p) => !present(p.command, searchPath));
}

function present(check: string, searchPath: string): boolean {
  if (check.startsWith('/')) return existsSync(check);
  return !!findCommand(check, searchPath);
}

/** The one command that installs `packages`, as the user would type it. */
export function installCommand(packages: readonly SystemPackage[], root: boolean): string {
  const names = [...new Set(packages.map((p) => p.name))].join(' ');
  return `${root ? '' : 'sudo '}apt-get install -y ${names}`;
}
