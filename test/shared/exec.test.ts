import { describe, expect, it } from '@jest/globals';
import { exec, shellQuote } from '../../shared/exec.js';

describe('exec', () => {
  it('passes arguments as an array: shell syntax in a value stays a value', async () => {
    const r = await exec('printf', ['%s|', 'a b', '$(id)', '; rm -rf /', '`x`']);
    expect(r.stdout).toBe('a b|$(id)|; rm -rf /|`x`|');
  });

  it('masks secrets in output and in the error line', async () => {
    const r = await exec('sh', ['-c', 'echo token=$0', 's3cr3t-value'], {
      secrets: ['s3cr3t-value'],
    });
    expect(r.stdout).toBe('token=***\n');
    await expect(
      exec('sh', ['-c', 'echo "bad password $0" >&2; exit 3', 'hunter22'], {
        secrets: ['hunter22'],
      }),
    ).rejects.toThrow('sh exited with 3: bad password ***');
  });

  it('says plainly when a program is missing', async () => {
    await expect(exec('virt-ci-no-such-program', [])).rejects.toThrow(
      'virt-ci-no-such-program: is not installed or not on PATH',
    );
  });

  it('returns the exit code when failure is allowed, and streams lines', async () => {
    const lines: string[] = [];
    const r = await exec('sh', ['-c', 'echo one; echo two >&2; exit 4'], {
      allowFailure: true,
      onLine: (l, s) => lines.push(`${s}:${l}`),
    });
    expect(r.code).toBe(4);
    expect(lines.sort()).toEqual(['stderr:two', 'stdout:one']);
  });

  it('quotes arguments for display', () => {
    expect(shellQuote(['--label-filter', '!mshv && l1hv', "it's"])).toBe(
      `--label-filter '!mshv && l1hv' 'it'\\''s'`,
    );
  });
});
