import { describe, expect } from '@jest/globals';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { exec } from '../../shared/exec.js';
import { errors } from '../support/harness.js';
import { requireTools } from '../support/tools.js';
import { itUnless, runWithDeps, tmp } from './support.js';

requireTools('dpkg-query', 'dpkg');

// A package already installed at the version wanted is not handed to apt. dpkg-query is the
// real one, reading this machine's dpkg database (dpkg itself is installed on every Debian
// machine); apt-get is a stand-in on the step's PATH that records its arguments and fails, so
// nothing is installed whichever way the step decides. As root only: through sudo, the real
// apt-get would be found instead (sudo resets PATH).
const notRoot =
  process.getuid?.() === 0 ? undefined : 'needs root: sudo would not find the stand-in';
const q = await exec('dpkg-query', ['-W', '-f=${Version} ${Architecture}', 'dpkg']);
const [version, arch] = q.stdout.trim().split(' ');

function standIn(): { dir: string; calls: () => string[] } {
  const dir = tmp('shv-apt-');
  const log = path.join(dir, 'calls');
  const script = path.join(dir, 'apt-get');
  writeFileSync(
    script,
    `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\necho 'E: stand-in apt-get' >&2\nexit 100\n`,
  );
  chmodSync(script, 0o755);
  return {
    dir,
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []),
  };
}

async function setUp(packages: string, debs: string[] = [], reinstall = false) {
  const apt = standIn();
  const archives = tmp('shv-archives-');
  for (const deb of debs) writeFileSync(path.join(archives, deb), 'not a real .deb');
  const r = await runWithDeps(
    { aptArchives: archives, aptReinstall: reinstall, udevRulesDir: path.join(tmp(), 'rules.d') },
    {
      workspace: tmp(),
      inputs: { packages, cache: 'false', mode: 'emulation', verify: 'false' },
      env: { PATH: `${apt.dir}:${process.env.PATH ?? ''}` },
    },
  );
  return { r, calls: apt.calls() };
}

const deb = `dpkg_${version.replace(/:/g, '%3a')}_${arch}.deb`;

describe('packages already installed (real dpkg-query, stand-in apt-get)', () => {
  itUnless(
    notRoot,
    'a package at the version of its .deb in the archive: apt is not run',
    async () => {
      const { r, calls } = await setUp('dpkg', [deb]);
      expect(errors(r)).toEqual([]);
      expect(calls).toEqual([]);
      expect(r.summary).toContain(
        '| packages | dpkg: 0 .deb downloaded (0.0 MiB), 1 in the archive, dpkg already installed |',
      );
    },
  );

  itUnless(notRoot, 'a package pinned at its installed version: apt is not run', async () => {
    const { r, calls } = await setUp(`dpkg=${version}`);
    expect(errors(r)).toEqual([]);
    expect(calls).toEqual([]);
    expect(r.summary).toContain(`dpkg=${version} already installed`);
  });

  itUnless(notRoot, 'apt is asked for the rest only', async () => {
    const { r, calls } = await setUp('dpkg, virt-ci-no-such-package', [deb]);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(/ -- virt-ci-no-such-package$/);
    expect(errors(r)).toEqual([
      'input "packages": apt-get install virt-ci-no-such-package failed (exit 100): E: stand-in apt-get',
    ]);
  });

  const asked: Array<[string, string, string[], boolean, string]> = [
    ['no .deb and no pin (apt knows whether a newer version is out)', 'dpkg', [], false, '-- dpkg'],
    ['pinned at another version', 'dpkg=0.0-1', [deb], false, '-- dpkg=0.0-1'],
    [
      'the .deb in the archive is another version',
      'dpkg',
      [`dpkg_0.0-1_${arch}.deb`],
      false,
      '-- dpkg',
    ],
    ['reinstalling, as on a fresh runner', 'dpkg', [deb], true, '--reinstall -- dpkg'],
  ];
  for (const [what, packages, debs, reinstall, tail] of asked) {
    itUnless(notRoot, `${what}: apt is asked`, async () => {
      const { r, calls } = await setUp(packages, debs, reinstall);
      expect(calls).toHaveLength(1);
      expect(calls[0].endsWith(` ${tail}`)).toBe(true);
      expect(r.exitCode).toBe(1);
    });
  }
});
