import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { requireTools } from '../support/tools.js';
import { produce, project, publish } from './producer-project.js';

// Reports written by the real pytest (Debian's python3-pytest) in both JUnit families.
requireTools('pytest-3');

describe.each(['xunit1', 'xunit2'])('pytest (%s)', (family) => {
  let ws: string;
  beforeAll(async () => {
    ws = project({
      'tests/test_hv.py': [
        'import pytest',
        '',
        'def test_kvm_present():',
        '    assert True',
        '',
        'def test_mshv_present():',
        '    assert "kvm" == "mshv"',
        '',
        '@pytest.mark.skip(reason="no nested virt")',
        'def test_nested():',
        '    pass',
        '',
      ].join('\n'),
    });
    await produce(
      'pytest-3',
      [
        '-q',
        '-p',
        'no:cacheprovider',
        `--junitxml=reports/${family}.xml`,
        '-o',
        `junit_family=${family}`,
        'tests',
      ],
      ws,
    );
  });

  it('counts and locates the failure', async () => {
    const { r, errors } = await publish(ws, `reports/${family}.xml`);
    expect(r.outputs).toMatchObject({
      total: '3',
      passed: '1',
      failed: '1',
      skipped: '1',
      'pass-rate': '50',
    });
    expect(errors[0].properties).toMatchObject({
      title: 'Failed: tests.test_hv › test_mshv_present',
      file: 'tests/test_hv.py',
      line: '7',
    });
    const results = JSON.parse(readFileSync(r.outputs.results, 'utf8'));
    expect(results.failures[0].message).toMatch(/AssertionError/);
  });
});
