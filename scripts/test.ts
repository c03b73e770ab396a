// `npm test` and `npm run test:unit`. The full suite needs system packages (a registry, QEMU,
// libvirt, kubectl, pytest...): this makes sure they are there first — installed when it may
// (root, or passwordless sudo), else one line with the exact command — then runs jest.
// `--unit` runs only the hermetic tests (no `*.host.test.ts`): no system package, no root.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  PACKAGE_LIST,
  findCommand,
  installCommand,
  missingPackages,
  readPackageList,
  type SystemPackage,
} from '../test/support/system-packages.js';

const repoRoot = path.resolve(import.meta.dirname, '..');
const say = (line: string) => console.log(`npm test: ${line}`);

function stop(line: string): never {
  console.error(`npm test: ${line}`);
  process.exit(1);
}

function run(command: string, args: string[]) {
  return spawnSync(command, args, {
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/** How this user may install packages: as root, through passwordless sudo, or not at all. */
function installer(): { prefix: string[] } | { why: string } {
  if (process.getuid?.() === 0) return { prefix: [] };
  if (!findCommand('sudo')) return { why: 'not root, and sudo is not installed' };
  const probe = run('sudo', ['-n', 'true']);
  if (probe.status === 0) return { prefix: ['sudo', '-n'] };
  return { why: 'not root, and sudo asks for a password' };
}

/** apt's candidate for each package; those it cannot install from the machine's sources. */
function withoutCandidate(packages: SystemPackage[]): SystemPackage[] {
  return packages.filter((p) => {
    const policy = run('apt-cache', ['policy', p.name]).stdout ?? '';
    const candidate = /Candidate:\s*(\S+)/.exec(policy)?.[1];
    return !candidate || candidate === '(none)';
  });
}

function ensureSystemPackages(): void {
  const packages = readPackageList(repoRoot);
  const missing = missingPackages(packages);
  if (!missing.length) return;
  const root = process.getuid?.() === 0;
  const what = missing.map((p) => (p.name === p.command ? p.name : `${p.name} (${p.command})`));
  const command = installCommand(missing, root);
  const unit = 'or `npm run test:unit` for the tests that need none';
  if (!findCommand('apt-get'))
    stop(`missing system packages ${what.join(', ')}: install them (${PACKAGE_LIST}), ${unit}`);
  const how = installer();
  if ('why' in how) stop(`missing system packages (${how.why}); run: ${command} — ${unit}`);

  say(`installing the system packages the tests use: ${missing.map((p) => p.name).join(' ')}`);
  const apt = (args: string[]) => {
    const [cmd, ...rest] = [...how.prefix, 'apt-get', ...args];
    const r = run(cmd, rest);
    return {
      ok: r.status === 0,
      out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error?.message ?? ''}`,
    };
  };
  const update = apt(['update', '-qq']);
  if (!update.ok) stop(`apt-get update failed: ${lastLine(update.out)}; then run: ${command}`);
  const unavailable = withoutCandidate(missing);
  if (unavailable.length) {
    const where = unavailable.map((p) => `${p.name}${p.source ? ` (from ${p.source})` : ''}`);
    stop(`not in this machine's apt sources: ${where.join(', ')}; add them, then run: ${command}`);
  }
  const install = apt(['install', '-y', '-qq', ...new Set(missing.map((p) => p.name))]);
  if (!install.ok) {
    const logFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'virt-ci-apt-')), 'apt.log');
    writeFileSync(logFile, install.out);
    stop(`${command} failed: ${lastLine(install.out)} (apt's output: ${logFile})`);
  }
  const still = missingPackages(packages);
  if (still.length)
    stop(`installed, but still not found: ${still.map((p) => p.command).join(', ')}`);
}

function lastLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .at(-1) ?? 'no output'
  );
}

/**
 * The e2e tests run the bundles in dist/, so they are built from the sources first: a local
 * run never tests stale bundles. A stamp of what they were built from (kept under
 * node_modules/.cache) skips the build when nothing changed. `--no-build` is for CI, which has
 * just rebuilt and compared dist/ with the committed one.
 */
function buildInputsHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) hash.update(p).update(readFileSync(p));
    }
  };
  for (const d of ['actions', 'shared', 'root', 'bin', 'dist']) {
    if (existsSync(path.join(repoRoot, d))) walk(path.join(repoRoot, d));
  }
  for (const f of ['package-lock.json', 'scripts/build.mjs', 'action.yml'])
    hash.update(f).update(readFileSync(path.join(repoRoot, f)));
  return hash.digest('hex');
}

function buildBundles(): void {
  const stamp = path.join(repoRoot, 'node_modules', '.cache', 'virt-ci', 'build-stamp');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === buildInputsHash()) return;
  say('the e2e tests run dist/: building it from the sources first');
  const b = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs')], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  if (b.status !== 0) stop('build: the bundles did not build; the tests would run stale ones');
  mkdirSync(path.dirname(stamp), { recursive: true });
  writeFileSync(stamp, buildInputsHash());
}

const args = process.argv.slice(2);
const unit = args[0] === '--unit';
const noBuild = args.includes('--no-build');
const jestArgs = (unit ? args.slice(1) : args).filter((a) => a !== '--no-build');
if (!unit) ensureSystemPackages();
if (!noBuild) buildBundles();
const jest = path.join(repoRoot, 'node_modules', 'jest', 'bin', 'jest.js');
if (!existsSync(jest)) stop('jest is not installed: run `npm ci` first');
const closing = path.join(mkdtempSync(path.join(os.tmpdir(), 'virt-ci-test-')), 'closing-line');
const r = spawnSync(
  process.execPath,
  [
    '--experimental-vm-modules',
    jest,
    ...(unit ? ['--testPathIgnorePatterns', '\\.host\\.test\\.ts$'] : []),
    ...jestArgs,
  ],
  { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, CLOSING_LINE_FILE: closing } },
);
if (r.error) stop(`jest did not start: ${r.error.message}`);
// jest's summary ends with the failures; the counts come last, where CI and people look.
let line = existsSync(closing) ? readFileSync(closing, 'utf8').trim() : '';
rmSync(path.dirname(closing), { recursive: true, force: true });
const status = r.status ?? 1;
if (!line) line = 'tests: 0 passed, 1 failed, 0 skipped';
else if (status !== 0 && / 0 failed/.test(line)) line = line.replace(/ 0 failed/, ' 1 failed');
console.log(`\n${line}`);
process.exit(status);
