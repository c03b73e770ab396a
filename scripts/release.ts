// The release steps, run by .github/workflows/release.yml on a `vX.Y.Z` tag and playable
// locally (test/repo/release.test.ts plays them in a scratch clone):
//   tsx scripts/release.ts check vX.Y.Z   the tag, package.json and CHANGELOG.md agree
//   tsx scripts/release.ts notes vX.Y.Z   print the CHANGELOG section, the release's notes
//   tsx scripts/release.ts major vX.Y.Z   move the major tag (v1) to the release's commit
// dist/ is checked by `npm run check-dist` in the workflow before any of these.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const VERSION = /^v(\d+)\.(\d+)\.(\d+)$/;

export function releaseNotes(changelog: string, tag: string): string {
  const lines = changelog.split(/\r?\n/);
  const start = lines.findIndex((l) =>
    new RegExp(`^## ${tag.replace(/\./g, '\\.')}(\\s|$)`).test(l),
  );
  if (start < 0) throw new Error(`CHANGELOG.md has no section "## ${tag}"`);
  if (/unreleased/i.test(lines[start])) {
    throw new Error(`CHANGELOG.md: "${lines[start]}" is still marked unreleased; give its date`);
  }
  const end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  const body = lines
    .slice(start + 1, end < 0 ? undefined : end)
    .join('\n')
    .trim();
  if (!body) throw new Error(`CHANGELOG.md: the section "## ${tag}" says nothing`);
  return `${body}\n`;
}

export function checkRelease(root: string, tag: string): void {
  const m = VERSION.exec(tag);
  if (!m) throw new Error(`tag ${JSON.stringify(tag)} is not a release tag; allowed: vX.Y.Z`);
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    version: string;
  };
  if (pkg.version !== tag.slice(1)) {
    throw new Error(`package.json says version ${pkg.version}, the tag says ${tag.slice(1)}`);
  }
  releaseNotes(readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8'), tag);
  const tagged = git(root, ['rev-parse', '--verify', '--quiet', `${tag}^{commit}`]);
  const head = git(root, ['rev-parse', 'HEAD']);
  if (tagged !== head)
    throw new Error(`${tag} is not the checked-out commit (${head.slice(0, 12)})`);
}

/** Point the major tag (v1 for v1.4.2) at the release's commit; returns the major tag. */
export function moveMajor(root: string, tag: string): string {
  const m = VERSION.exec(tag);
  if (!m) throw new Error(`tag ${JSON.stringify(tag)} is not a release tag; allowed: vX.Y.Z`);
  const major = `v${m[1]}`;
  const commit = git(root, ['rev-parse', '--verify', `${tag}^{commit}`]);
  git(root, ['tag', '--force', major, commit]);
  return major;
}

function git(cwd: string, args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout.trim();
}

if (import.meta.filename === path.resolve(process.argv[1] ?? '')) {
  const [command, tag] = process.argv.slice(2);
  const root = process.cwd();
  try {
    if (!tag) throw new Error('usage: release.ts check|notes|major vX.Y.Z');
    if (command === 'check') checkRelease(root, tag);
    else if (command === 'notes')
      process.stdout.write(
        releaseNotes(readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8'), tag),
      );
    else if (command === 'major') console.log(moveMajor(root, tag));
    else
      throw new Error(`unknown command ${JSON.stringify(command)}; allowed: check, notes, major`);
  } catch (err) {
    console.error(`release: ${(err as Error).message}`);
    process.exit(1);
  }
}
