import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { findNode24 } from '../../shared/harness/runner.js';
import { repoRoot } from '../support/harness.js';

/**
 * Every shell command the docs tell a reader to type is run: here when it can run here, or by
 * .ci/run itself (npm ci, the lint and the tests), or by the test that plays it (the demo).
 * A command that needs GitHub must say so in the doc (`<!-- needs GitHub -->` before its
 * block); any other command is a claim no test checks, and fails this test.
 */
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'fixtures', '.tmp']);

function markdownFiles(dir = repoRoot): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return SKIP_DIRS.has(e.name) ? [] : markdownFiles(p);
    return e.name.endsWith('.md') ? [p] : [];
  });
}

interface Command {
  where: string;
  line: string;
  needsGitHub: boolean;
}

function shellCommands(file: string): Command[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: Command[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(sh|bash|shell|console)\s*$/.test(lines[i])) continue;
    const needsGitHub = /<!-- needs GitHub -->/.test(lines.slice(Math.max(0, i - 2), i).join('\n'));
    let pending = '';
    for (i++; i < lines.length && !lines[i].startsWith('```'); i++) {
      const text = (pending + lines[i].replace(/\s+#.*$/, '')).trim();
      if (text.endsWith('\\')) {
        pending = `${text.slice(0, -1)} `;
        continue;
      }
      pending = '';
      for (const part of text.split('&&').map((p) => p.trim())) {
        if (part)
          out.push({ where: `${path.relative(repoRoot, file)}:${i + 1}`, line: part, needsGitHub });
      }
    }
  }
  return out;
}

const ciScript = readFileSync(path.join(repoRoot, '.ci', 'run'), 'utf8');
const demoTest = readFileSync(path.join(repoRoot, 'test', 'repo', 'demo.test.ts'), 'utf8');

/** How the suite covers a command, or undefined when nothing does. */
function coverage(cmd: string): 'ci' | 'demo test' | 'here' | undefined {
  const npmRun = /^npm (?:run )?(ci|test|lint|typecheck|test:unit)$/.exec(cmd);
  if (npmRun) {
    const script = npmRun[1];
    const ran =
      script === 'ci'
        ? /\bnpm ci\b/
        : script === 'test'
          ? /\bnpm test\b/
          : new RegExp(`npm run[^\\n]*\\b${script}\\b`);
    return ran.test(ciScript) ? 'ci' : undefined;
  }
  if (cmd === 'npm run demo') return /runDemo|'demo'/.test(demoTest) ? 'demo test' : undefined;
  if (cmd.startsWith('npx virt-ci ')) return 'here';
  return undefined;
}

const commands = markdownFiles().flatMap(shellCommands);

describe('the commands the docs give', () => {
  it('are all covered: run here, by .ci/run, by a test, or marked as needing GitHub', () => {
    const uncovered = commands
      .filter((c) => !c.needsGitHub && coverage(c.line) === undefined)
      .map((c) => `${c.where}: ${c.line}`);
    expect(uncovered).toEqual([]);
    expect(commands.length).toBeGreaterThan(5);
  });

  const here = commands.filter((c) => coverage(c.line) === 'here');
  it.each(here.map((c) => [c.where, c.line]))('%s: %s runs and succeeds', (_where, line) => {
    const args = line
      .replace(/^npx virt-ci /, '')
      .split(/\s+/)
      .filter(Boolean);
    const r = spawnSync(
      findNode24(repoRoot),
      [path.join(repoRoot, 'dist', 'cli', 'index.js'), ...args],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  });
});

/** Every `run:` script of a parsed workflow or snippet, wherever it sits. */
function runScripts(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) runScripts(n, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'run' && typeof v === 'string') out.push(v);
      else runScripts(v, out);
    }
  }
  return out;
}

describe('workflows and the docs’ snippets', () => {
  // A step output pasted into a script is script injection waiting for a test name with a
  // quote in it; outputs reach the shell through env: instead.
  const PASTED = /\$\{\{\s*(steps|needs)\.[^}]*outputs\.[^}]*\}\}/;

  it('pass step outputs to run: scripts through env:, never pasted in', () => {
    const offenders: string[] = [];
    const yamlFiles = [
      ...readdirSync(path.join(repoRoot, '.github', 'workflows')).map((f) =>
        path.join(repoRoot, '.github', 'workflows', f),
      ),
      ...readdirSync(path.join(repoRoot, 'examples')).map((d) =>
        path.join(repoRoot, 'examples', d, 'workflow.yml'),
      ),
    ].filter((f) => f.endsWith('.yml') && existsSync(f));
    for (const f of yamlFiles) {
      for (const script of runScripts(parseYaml(readFileSync(f, 'utf8')))) {
        if (PASTED.test(script)) offenders.push(`${path.relative(repoRoot, f)}: ${script.trim()}`);
      }
    }
    for (const f of markdownFiles()) {
      const blocks = readFileSync(f, 'utf8')
        .split(/^```ya?ml\s*$/m)
        .slice(1);
      for (const block of blocks.map((b) => b.split(/^```/m)[0])) {
        let doc: unknown;
        try {
          doc = parseYaml(block);
        } catch {
          continue; // a fragment that is not YAML on its own says nothing here
        }
        for (const script of runScripts(doc)) {
          if (PASTED.test(script))
            offenders.push(`${path.relative(repoRoot, f)}: ${script.trim()}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
