// @actions/workflow-parser imports its JSON schemas without `with { type: 'json' }` (it is
// built for bundlers); Node refuses that, so serve .json modules as JSON for it.
import { readFile } from 'node:fs/promises';

export async function load(url, context, nextLoad) {
  if (url.endsWith('.json') && url.includes('/@actions/workflow-parser/')) {
    return { format: 'json', source: await readFile(new URL(url), 'utf8'), shortCircuit: true };
  }
  return nextLoad(url, context);
}
