import type { Annotation } from '../../shared/action/outcome.js';
import type { FailureEntry, FlakyEntry, Results } from './results.js';

/**
 * Workflow-command annotations. The runner keeps at most 10 error and 10 warning annotations
 * per step and drops the rest silently, and the step's own failure line is an error too; so
 * failures get at most 9, and a notice says how many more there are and where to see them.
 */
const STEP_ERROR_LIMIT = 10;
const STEP_WARNING_LIMIT = 10;

function testTitle(f: { classname: string; name: string }): string {
  const classname = f.classname.trim();
  const name = f.name.trim();
  const t = classname && !name.startsWith(classname) ? `${classname} › ${name}` : name || classname;
  return t || '(unnamed test)';
}

function failureAnnotation(f: FailureEntry): Annotation {
  const firstLines = (f.message || f.details || '').split(/\r?\n/).slice(0, 20).join('\n');
  const where = f.file
    ? { file: f.file, startLine: f.line }
    : { file: f.report, startLine: f.reportLine || undefined };
  return {
    level: 'error',
    message: firstLines || (f.outcome === 'error' ? 'error' : 'failed'),
    title: `${f.outcome === 'error' ? 'Error' : 'Failed'}: ${testTitle(f)}`,
    ...where,
  };
}

function flakyAnnotation(f: FlakyEntry): Annotation {
  return {
    level: 'warning',
    message: `Flaky: failed ${f.failedRuns} time(s), then passed.${f.message ? `\n${f.message}` : ''}`,
    title: `Flaky: ${testTitle(f)}`,
    file: f.report,
  };
}

/**
 * The annotations to print: unreadable reports first, then failures up to `max`, flaky
 * tests as warnings, and a notice when some were left out.
 * `willFail` says whether the step will end with its own error line.
 */
export function planAnnotations(results: Results, max: number, willFail: boolean): Annotation[] {
  const out: Annotation[] = [];
  let errorRoom = STEP_ERROR_LIMIT - (willFail ? 1 : 0);
  for (const b of results.broken) {
    if (errorRoom <= 0) break;
    const m = /^(.*?):(\d+): (.*)$/.exec(b.message);
    out.push({
      level: 'error',
      message: m ? m[3] : b.message,
      title: 'Unreadable JUnit report',
      file: b.file,
      startLine: m ? Number(m[2]) : undefined,
    });
    errorRoom--;
  }
  const wanted = Math.min(max, results.failures.length);
  const shown = Math.min(wanted, errorRoom);
  for (const f of results.failures.slice(0, shown)) out.push(failureAnnotation(f));
  const failing = results.totals.failed + results.totals.errors;
  if (failing > shown && max > 0) {
    const why =
      shown < wanted
        ? "the runner's limit of 10 error annotations per step"
        : `annotations: ${max}`;
    out.push({
      level: 'notice',
      message: `${failing - shown} more failing test(s) not annotated (${why}); see the job summary${results.name ? ` "${results.name}"` : ''}.`,
      title: 'More failures',
    });
  }
  for (const f of results.flaky.slice(0, Math.min(max, STEP_WARNING_LIMIT)))
    out.push(flakyAnnotation(f));
  return out;
}
