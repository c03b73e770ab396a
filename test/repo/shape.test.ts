import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import ts from 'typescript';
import { repoRoot } from '../support/harness.js';

/**
 * The shape every action shares, checked on the sources: no import cycles, no long functions
 * without a reason, the runner reached only through shared/action, and each action folder
 * laid out the same way.
 */
const PRODUCT_DIRS = ['actions', 'shared', 'root', 'bin'];
const MAX_LINES = 80;

function sources(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|mts)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
    }
  };
  for (const d of PRODUCT_DIRS) walk(path.join(repoRoot, d));
  return out.sort();
}

const rel = (file: string) => path.relative(repoRoot, file);

/** Relative imports of a module (type-only ones too: a cycle of types is still a tangle). */
function localImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(
    /(?:import|export)[^'"]*?from\s+'(\.[^']+)'|import\('(\.[^']+)'\)/g,
  )) {
    const spec = m[1] ?? m[2];
    out.push(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
  }
  return out;
}

function findCycles(files: string[]): string[][] {
  const graph = new Map(files.map((f) => [f, localImports(f).filter((i) => files.includes(i))]));
  const cycles: string[][] = [];
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'active');
    stack.push(f);
    for (const next of graph.get(f) ?? []) {
      if (state.get(next) === 'active') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return cycles;
}

interface LongFunction {
  where: string;
  lines: number;
}

/** Functions longer than the limit whose leading comment does not say why. */
function longFunctions(file: string): LongFunction[] {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: LongFunction[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      const leading = text.slice(node.getFullStart(), node.getStart(sf));
      const statement = ts.isVariableDeclaration(node.parent)
        ? text.slice(node.parent.parent.parent.getFullStart(), node.parent.getStart(sf))
        : '';
      const why = /long because|\blong:/i.test(leading + statement);
      if (lines > MAX_LINES && !why) out.push({ where: `${rel(file)}:${start + 1}`, lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

describe('the shape of the code', () => {
  const files = sources();

  it('has no import cycles', () => {
    const cycles = findCycles(files).map((c) => c.map(rel).join(' → '));
    expect(cycles).toEqual([]);
  });

  it(`has no function over ${MAX_LINES} lines without a comment saying why it is long`, () => {
    expect(files.flatMap(longFunctions)).toEqual([]);
  });

  it('talks to the runner only through shared/action', () => {
    const offenders = files.filter((f) => /from '@actions\/core'/.test(readFileSync(f, 'utf8')));
    expect(offenders.map(rel)).toEqual([]);
  });

  it('lays out every action folder the same way', () => {
    const actions = readdirSync(path.join(repoRoot, 'actions'));
    for (const name of actions) {
      const dir = path.join(repoRoot, 'actions', name);
      const have = new Set(readdirSync(dir));
      const missing = [
        'action.yml',
        'README.md',
        'names.gen.ts',
        'main.ts',
        'action.ts',
        'options.ts',
        'types.ts',
        `${name}.ts`,
        'report.ts',
      ].filter((f) => !have.has(f));
      expect({ action: name, missing }).toEqual({ action: name, missing: [] });
      expect(readFileSync(path.join(dir, 'main.ts'), 'utf8')).toBe(
        "import { runAction } from '../../shared/action/action.js';\nimport { action } from './action.js';\n\nawait runAction(action);\n",
      );
    }
  });

  it('reads input names only in options.ts (and the root action in root/options.ts)', () => {
    const reads =
      /\binputs\.(raw|has|string|required|boolean|enum|integer|duration|list|lines|map)\(/;
    const offenders = files
      .filter((f) => rel(f).startsWith('actions/') || rel(f).startsWith('root/'))
      .filter((f) => path.basename(f) !== 'options.ts')
      .filter((f) => reads.test(readFileSync(f, 'utf8')));
    expect(offenders.map(rel)).toEqual([]);
  });

  it('reads no VIRT_CI_* variable in the product: test hooks are injected dependencies', () => {
    const offenders = files
      .filter((f) => !rel(f).startsWith('bin/demo/'))
      .flatMap((f) =>
        [...readFileSync(f, 'utf8').matchAll(/env(?:\?\.|\.|\[')(VIRT_CI_[A-Z_]+)/g)].map(
          (m) => `${rel(f)}: ${m[1]}`,
        ),
      );
    expect(offenders).toEqual([]);
  });
});
