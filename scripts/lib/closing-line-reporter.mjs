// A jest reporter for the run's one closing line, "tests: N passed, N failed, N skipped", which
// CI and people read. A file that failed to run (an error outside any test) counts as one
// failed test, so a broken suite never gives a green line. `npm test` asks for the line in a
// file (CLOSING_LINE_FILE) and prints it after jest's own summary, as the very last line.
import { writeFileSync } from 'node:fs';

export default class ClosingLineReporter {
  onRunComplete(_contexts, results) {
    const broken = results.testResults.filter(
      (file) => file.testExecError || (file.failureMessage && file.numFailingTests === 0),
    ).length;
    const failed = results.numFailedTests + broken;
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `tests: ${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped`;
    if (process.env.CLOSING_LINE_FILE) writeFileSync(process.env.CLOSING_LINE_FILE, `${line}\n`);
    else process.stdout.write(`\n${line}\n`);
  }
}
