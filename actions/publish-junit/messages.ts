import type { CaseResult } from '../../shared/junit/reader.js';

/**
 * The message people read for a failure: the producer's own when it says something, else the
 * first meaningful lines of the details. gotestsum writes "Failed" for every Go failure and
 * puts the t.Errorf text in the details; jest-junit writes no message and its details start
 * with the matcher line, then Expected/Received (or a diff), then the stack.
 */
const GENERIC = /^(failed|failure|fail|error|errored|test failed|assertion ?error|exception|)$/i;

// Lines that frame a Go test's output without saying what went wrong.
const GO_NOISE =
  /^(=== (RUN|PAUSE|CONT|NAME)\s|--- (FAIL|PASS|SKIP):|FAIL$|PASS$|ok\s|exit status)/;

// Where a JavaScript stack trace starts: nothing after it is the message.
const STACK = /^\s*at\s/;

const MAX_LINES = 12;

/** The lines of a jest/expect failure worth showing: the matcher, then Expected/Received. */
function jestMessage(lines: string[]): string | undefined {
  const i = lines.findIndex((l) => /expect\(/.test(l));
  if (i < 0) return undefined;
  const out = [lines[i].replace(/^\s*(Error|AssertionError|JestAssertionError):\s*/, '').trim()];
  for (const line of lines.slice(i + 1)) {
    if (STACK.test(line) || out.length >= MAX_LINES) break;
    if (line.trim()) out.push(line.trimEnd());
  }
  return out.join('\n');
}

/** The first line that says something, with Go's "file_test.go:13: " prefix taken off. */
function firstMeaningful(lines: string[]): string | undefined {
  for (const raw of lines) {
    const line = raw.trim();
    if (!line || GO_NOISE.test(line) || STACK.test(raw)) continue;
    return line.replace(/^[\w./-]+\.go:\d+:\s*/, '') || line;
  }
  return undefined;
}

export function failureMessage(result: CaseResult | undefined): string | undefined {
  if (!result) return undefined;
  const own = result.message?.trim();
  if (own && !GENERIC.test(own)) return own;
  const lines = (result.details ?? '').split(/\r?\n/);
  return jestMessage(lines) ?? firstMeaningful(lines) ?? own ?? result.type;
}
