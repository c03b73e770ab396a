import { beforeAll, describe, expect, it } from '@jest/globals';
import { bin, produce, project, publish } from './producer-project.js';

/**
 * Reports written by the real producers on this machine (jest + jest-junit, mocha +
 * mocha-junit-reporter; pytest in producers.host.test.ts) from tiny test projects, then read by
 * the bundled action the way the runner runs it. Each project has one passing, one failing
 * and one skipped test, so the counts and the annotation's file and line are checked.
 */

describe('jest + jest-junit', () => {
  let ws: string;
  beforeAll(async () => {
    ws = project({
      'jest.config.cjs': `module.exports = { testEnvironment: 'node', transform: {}, reporters: ['default', [${JSON.stringify(bin('jest-junit'))}, { outputDirectory: 'reports', outputName: 'jest.xml', addFileAttribute: 'true', classNameTemplate: '{classname}', titleTemplate: '{title}' }]] };`,
      'test/vm.test.js': [
        "describe('vm', () => {",
        "  test('boots', () => expect(1 + 1).toBe(2));",
        "  test('migrates', () => {",
        '    expect({ phase: "Failed" }).toEqual({ phase: "Running" });',
        '  });',
        "  test.skip('snapshots', () => {});",
        '});',
      ].join('\n'),
    });
    await produce(process.execPath, [bin('jest/bin/jest.js'), '--ci', '--rootDir', ws], ws);
  });

  it('counts and annotates the failure at its line', async () => {
    const { r, errors } = await publish(ws, 'reports/*.xml');
    expect(r.outputs).toMatchObject({
      total: '3',
      passed: '1',
      failed: '1',
      skipped: '1',
      conclusion: 'failure',
    });
    expect(errors).toHaveLength(1);
    expect(errors[0].properties).toMatchObject({
      title: 'Failed: vm › migrates',
      file: 'test/vm.test.js',
      line: '4',
    });
    expect(r.exitCode).toBe(1);
  });
});

describe('mocha + mocha-junit-reporter', () => {
  let ws: string;
  beforeAll(async () => {
    ws = project({
      'test/gate.spec.cjs': [
        "const assert = require('node:assert');",
        "describe('feature gate', function () {",
        "  it('is enabled', function () { assert.ok(true); });",
        "  it('is disabled again', function () {",
        '    assert.strictEqual("on", "off");',
        '  });',
        "  it.skip('survives an operator restart', function () {});",
        '});',
      ].join('\n'),
    });
    await produce(
      process.execPath,
      [
        bin('mocha/bin/mocha.js'),
        '--reporter',
        bin('mocha-junit-reporter'),
        '--reporter-options',
        'mochaFile=reports/mocha.xml,includePending=true',
        'test/gate.spec.cjs',
      ],
      ws,
    );
  });

  it('counts from test cases and finds the line in the stack', async () => {
    const { r, errors } = await publish(ws, 'reports/mocha.xml');
    expect(r.outputs).toMatchObject({ total: '3', passed: '1', failed: '1', skipped: '1' });
    expect(errors[0].properties).toMatchObject({ file: 'test/gate.spec.cjs', line: '5' });
  });
});
