import { describe, expect, it } from '@jest/globals';
import { parseFileCommands, parseWorkflowCommand } from '../../shared/harness/commands.js';
import { inputVariable } from '../../shared/harness/runner.js';
import { run } from '../support/harness.js';

describe('runner protocol', () => {
  it('names inputs as the runner does: upper case, spaces to underscores, hyphens kept', () => {
    expect(inputVariable('shard-count')).toBe('INPUT_SHARD-COUNT');
    expect(inputVariable('my input')).toBe('INPUT_MY_INPUT');
  });

  it('reads file commands in both forms @actions/core writes', () => {
    expect(parseFileCommands('a=1\nb<<ghadelimiter_x\nline1\nline2\nghadelimiter_x\n')).toEqual({
      a: '1',
      b: 'line1\nline2',
    });
    expect(() => parseFileCommands('b<<EOF\nno end\n')).toThrow('never closed');
  });

  it('reads workflow commands with escaped data and properties', () => {
    expect(
      parseWorkflowCommand('::error file=a%2Cb.go,line=3,title=x%3Ay::bad%0Athing 100%25'),
    ).toEqual({
      command: 'error',
      properties: { file: 'a,b.go', line: '3', title: 'x:y' },
      message: 'bad\nthing 100%',
    });
    expect(parseWorkflowCommand('plain output')).toBeUndefined();
    // What @actions/core writes for a literal "%3A" in a property: it must come back as is.
    expect(parseWorkflowCommand('::error title=100%253A::x')?.properties.title).toBe('100%3A');
  });

  it('refuses inputs the action does not declare, as a typo guard', async () => {
    await expect(run('select-tests', { inputs: { 'lable-filter': 'x' } })).rejects.toThrow(
      'harness: select-tests has no input(s) lable-filter',
    );
  });

  it('runs the bundle under Node 24, as GitHub runs node24 actions', async () => {
    const r = await run('select-tests', {
      inputs: { environment: 'x' },
      env: { NODE_OPTIONS: '' },
    });
    const { execFileSync } = await import('node:child_process');
    expect(execFileSync(r.node, ['--version'], { encoding: 'utf8' })).toMatch(/^v24\./);
  });
});
