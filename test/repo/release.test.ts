import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { releaseNotes } from '../../scripts/release.js';
import { repoRoot } from '../support/harness.js';

// The release workflow's steps, played in a scratch clone of this repository: dist/ checked,
// the tag checked against package.json and CHANGELOG.md, the notes generated and the major tag
// moved. Nothing is pushed anywhere.
// A git configuration of the test's own: an author for the commits, and safe.directory, since
// the checkout may belong to another user (CI runs the hermetic suite as nobody on root's
// clone), which git refuses to read otherwise. A global file, because git clears command-line
// configuration for the upload-pack a local clone starts.
const gitConfig = path.join(mkdtempSync(path.join(os.tmpdir(), 'release-git-')), 'gitconfig');
writeFileSync(gitConfig, '[user]\n\tname = t\n\temail = t@example.org\n[safe]\n\tdirectory = *\n');
const gitEnv = { GIT_CONFIG_GLOBAL: gitConfig, GIT_CONFIG_NOSYSTEM: '1' };
const git = (cwd: string, ...args: string[]) => {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...gitEnv } });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
};
const tsx = path.join(repoRoot, 'node_modules', '.bin', 'tsx');
const release = (cwd: string, ...args: string[]) =>
  spawnSync(tsx, [path.join(cwd, 'scripts', 'release.ts'), ...args], { cwd, encoding: 'utf8' });

function scratchClone(): string {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'release-')), 'repo');
  git(os.tmpdir(), 'clone', '--quiet', '--no-hardlinks', repoRoot, dir);
  // A real node_modules inside the clone (hard links: quick, and no copy of the bytes): a
  // symlinked one moves the bundler's module paths outside it and renames the chunks.
  const from = path.join(repoRoot, 'node_modules');
  const to = path.join(dir, 'node_modules');
  if (spawnSync('cp', ['-al', from, to]).status !== 0) {
    // Hard links to another user's files are refused (protected_hardlinks): copy instead,
    // into a clean folder, since the refused try leaves its folders behind.
    rmSync(to, { recursive: true, force: true });
    expect(spawnSync('cp', ['-a', from, to]).status).toBe(0);
  }
  return dir;
}

describe('the release steps', () => {
  it('refuse a tag whose version, changelog or commit disagree', () => {
    const dir = scratchClone();
    git(dir, 'tag', 'v1.0.0');
    const unreleased = release(dir, 'check', 'v1.0.0');
    expect(unreleased.status).toBe(1);
    expect(unreleased.stderr).toMatch(/"## v1\.0\.0 \(unreleased\)" is still marked unreleased/);
    const wrong = release(dir, 'check', 'v1.2.0');
    expect(wrong.stderr.trim()).toBe(
      'release: package.json says version 1.0.0, the tag says 1.2.0',
    );
    expect(release(dir, 'check', '1.0').stderr).toMatch(/is not a release tag; allowed: vX\.Y\.Z/);
  });

  it('check dist, generate the notes and move the major tag on a good tag', () => {
    const dir = scratchClone();
    const log = path.join(dir, 'CHANGELOG.md');
    writeFileSync(
      log,
      readFileSync(log, 'utf8').replace('## v1.0.0 (unreleased)', '## v1.0.0 (2026-12-01)'),
    );
    git(dir, 'commit', '--quiet', '-am', 'Release v1.0.0');
    git(dir, 'tag', '-a', '-m', 'v1.0.0', 'v1.0.0');
    // The workflow's dist check: a fresh build is exactly what is committed.
    const dist = spawnSync('bash', ['scripts/check-dist.sh'], { cwd: dir, encoding: 'utf8' });
    expect(dist.stdout).toContain('dist/ matches a fresh build');
    expect(dist.status).toBe(0);
    expect(release(dir, 'check', 'v1.0.0').status).toBe(0);
    const notes = release(dir, 'notes', 'v1.0.0');
    expect(notes.stdout).toMatch(/^The first release: five actions/);
    expect(notes.stdout).not.toContain('## ');
    const major = release(dir, 'major', 'v1.0.0');
    expect(major.stdout.trim()).toBe('v1');
    expect(git(dir, 'rev-parse', 'v1^{commit}')).toBe(git(dir, 'rev-parse', 'HEAD'));
    // A later patch moves v1 on; the release tag itself stays where it was.
    git(dir, 'commit', '--quiet', '--allow-empty', '-m', 'fix');
    git(dir, 'tag', 'v1.0.1');
    release(dir, 'major', 'v1.0.1');
    expect(git(dir, 'rev-parse', 'v1^{commit}')).toBe(git(dir, 'rev-parse', 'HEAD'));
    expect(git(dir, 'rev-parse', 'v1.0.0^{commit}')).toBe(git(dir, 'rev-parse', 'HEAD~1'));
  }, 240_000);

  it('take the notes of one section only, and refuse an empty one', () => {
    const log = '# Changelog\n\n## v1.1.0 (2027-01-02)\n\n- b\n\n## v1.0.0 (2026-12-01)\n\n- a\n';
    expect(releaseNotes(log, 'v1.0.0')).toBe('- a\n');
    expect(releaseNotes(log, 'v1.1.0')).toBe('- b\n');
    expect(() => releaseNotes('## v2.0.0 (2027-01-01)\n', 'v2.0.0')).toThrow('says nothing');
    expect(() => releaseNotes(log, 'v3.0.0')).toThrow('CHANGELOG.md has no section "## v3.0.0"');
  });
});
