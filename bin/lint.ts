import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node, type YAMLMap } from 'yaml';
import { INPUTS as PROMOTE_DIGEST } from '../actions/promote-digest/names.gen.js';
import { INPUTS as PUBLISH_JUNIT } from '../actions/publish-junit/names.gen.js';
import { INPUTS as SELECT_TESTS } from '../actions/select-tests/names.gen.js';
import { INPUTS as SETUP_HYPERVISOR } from '../actions/setup-hypervisor/names.gen.js';
import { INPUTS as TOGGLE_FEATURE_GATE } from '../actions/toggle-feature-gate/names.gen.js';
import { INPUTS as ROOT } from '../root/names.gen.js';

/**
 * `virt-ci lint`: the `with:` keys of every virt-ci step in a workflow, checked against the
 * inputs its action.yml declares. actionlint checks the popular actions this way but cannot
 * see these; a misspelt input (`lable-filter`) would otherwise be an empty value at run time.
 * The names are the generated ones the actions are typed by, so the CLI needs no checkout.
 */
const ACTIONS: Record<string, readonly string[]> = {
  '': ROOT,
  'promote-digest': PROMOTE_DIGEST,
  'publish-junit': PUBLISH_JUNIT,
  'select-tests': SELECT_TESTS,
  'setup-hypervisor': SETUP_HYPERVISOR,
  'toggle-feature-gate': TOGGLE_FEATURE_GATE,
};

export interface LintProblem {
  file: string;
  line: number;
  message: string;
}

/** Which virt-ci action a `uses:` names ('' for the root action), or undefined for others. */
export function virtCiAction(uses: string): string | undefined {
  const m =
    /^(?:virt-ci\/virt-ci(?:\/actions\/([a-z-]+))?@\S+|\.\/actions\/([a-z-]+)\/?|\.\/?)$/.exec(
      uses.trim(),
    );
  if (!m) return undefined;
  return m[1] ?? m[2] ?? '';
}

export function lintWorkflow(text: string, file: string): LintProblem[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length) {
    const e = doc.errors[0];
    return [
      {
        file,
        line: e.linePos?.[0].line ?? 1,
        message: `not valid YAML: ${e.message.split('\n')[0]}`,
      },
    ];
  }
  const problems: LintProblem[] = [];
  const lineOf = (node: Node | null | undefined) =>
    node?.range ? lines.linePos(node.range[0]).line : 1;
  const jobs = doc.get('jobs', true);
  if (!isMap(jobs)) return problems;
  for (const pair of jobs.items) {
    const job = pair.value;
    if (!isMap(job)) continue;
    const steps = job.get('steps', true);
    const calls: YAMLMap[] = isSeq(steps) ? steps.items.filter(isMap) : [job];
    for (const step of calls) {
      const uses = step.get('uses', true);
      if (!isScalar(uses) || typeof uses.value !== 'string') continue;
      const action = virtCiAction(uses.value);
      if (action === undefined) continue;
      const declared = ACTIONS[action];
      if (!declared) {
        problems.push({
          file,
          line: lineOf(uses),
          message: `${uses.value}: no virt-ci action is named ${JSON.stringify(action)}; allowed: ${Object.keys(ACTIONS).filter(Boolean).join(', ')}`,
        });
        continue;
      }
      const withMap = step.get('with', true);
      if (!isMap(withMap)) continue;
      for (const item of withMap.items) {
        const key = isScalar(item.key) ? String(item.key.value) : '';
        if (declared.includes(key)) continue;
        const near = nearest(key, declared);
        problems.push({
          file,
          line: lineOf(item.key as Node),
          message: `${uses.value} has no input ${JSON.stringify(key)}${near ? `; did you mean ${JSON.stringify(near)}?` : ''}`,
        });
      }
    }
  }
  return problems;
}

/** The declared name closest to a misspelt one, when it is close (two edits at most). */
function nearest(key: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of names) {
    const d = editDistance(key, name);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}
