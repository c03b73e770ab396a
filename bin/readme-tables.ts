import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { escapeCell } from '../shared/summary.js';

/**
 * Each action README carries its inputs and outputs tables generated from its action.yml,
 * between `<!-- inputs:start -->`/`<!-- inputs:end -->` (and likewise for outputs).
 */
interface Metadata {
  inputs?: Record<string, { description?: string; required?: boolean; default?: unknown }>;
  outputs?: Record<string, { description?: string }>;
}

export function inputsTable(meta: Metadata): string {
  const rows = Object.entries(meta.inputs ?? {}).map(([name, spec]) => {
    const def =
      spec.default === undefined || spec.default === ''
        ? ''
        : `\`${String(spec.default).replace(/\n/g, ' ')}\``;
    return `| \`${name}\` | ${escapeCell(spec.description ?? '')} | ${spec.required ? 'yes' : 'no'} | ${def} |`;
  });
  return [
    '| input | description | required | default |',
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

export function outputsTable(meta: Metadata): string {
  const rows = Object.entries(meta.outputs ?? {}).map(
    ([name, spec]) => `| \`${name}\` | ${escapeCell(spec.description ?? '')} |`,
  );
  if (rows.length === 0) return '_This action has no outputs._';
  return ['| output | description |', '| --- | --- |', ...rows].join('\n');
}

function replaceBlock(text: string, tag: string, body: string, file: string): string {
  const start = `<!-- ${tag}:start -->`;
  const end = `<!-- ${tag}:end -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`${file}: missing ${start} ... ${end} markers`);
  return `${text.slice(0, i + start.length)}\n${body}\n${text.slice(j)}`;
}

/** The README text as it should be, given the action.yml beside it. */
export function renderReadme(readme: string, actionYml: string, file: string): string {
  const meta = parseYaml(actionYml) as Metadata;
  let out = replaceBlock(readme, 'inputs', inputsTable(meta), file);
  out = replaceBlock(out, 'outputs', outputsTable(meta), file);
  return out;
}

/** Every (action.yml, README.md) pair: the root action and each folder of actions/. */
export function readmePairs(root: string): Array<{ yml: string; readme: string }> {
  const dirs = readdirSync(path.join(root, 'actions'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => path.join(root, 'actions', d.name));
  return [root, ...dirs]
    .map((dir) => ({ yml: path.join(dir, 'action.yml'), readme: path.join(dir, 'README.md') }))
    .filter((p) => existsSync(p.yml));
}

/**
 * The input and output names of an action.yml as TypeScript types, so that the code that reads
 * an input names it as action.yml does, checked by the compiler.
 */
export function renderNames(actionYml: string, file: string): string {
  const meta = parseYaml(actionYml) as Metadata;
  const list = (names: string[]) => names.map((n) => `'${n}'`).join(', ');
  return [
    `// Generated from ${file} by \`npm run docs\`; do not edit. A test fails when it drifts.`,
    `export const INPUTS = [${list(Object.keys(meta.inputs ?? {}))}] as const;`,
    'export type Input = (typeof INPUTS)[number];',
    `export const OUTPUTS = [${list(Object.keys(meta.outputs ?? {}))}] as const;`,
    'export type Output = (typeof OUTPUTS)[number];',
    '',
  ].join('\n');
}

/** Where each action's generated names live: beside its code (the root action's in root/). */
export function namesFile(root: string, yml: string): string {
  const dir = path.dirname(yml);
  return path.join(dir === root ? path.join(root, 'root') : dir, 'names.gen.ts');
}

/**
 * Returns the READMEs and name files that drift from their action.yml; rewrites them when
 * `write`.
 */
export function syncReadmes(root: string, write: boolean): string[] {
  const drifted: string[] = [];
  const sync = (file: string, wanted: string, current: string) => {
    if (wanted === current) return;
    drifted.push(path.relative(root, file));
    if (write) writeFileSync(file, wanted);
  };
  for (const { yml, readme } of readmePairs(root)) {
    const current = existsSync(readme) ? readFileSync(readme, 'utf8') : '';
    const ymlText = readFileSync(yml, 'utf8');
    sync(readme, renderReadme(current, ymlText, path.relative(root, readme)), current);
    const names = namesFile(root, yml);
    const currentNames = existsSync(names) ? readFileSync(names, 'utf8') : '';
    sync(names, renderNames(ymlText, path.relative(root, yml)), currentNames);
  }
  return drifted;
}
