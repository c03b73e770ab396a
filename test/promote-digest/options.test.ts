import { describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { options } from '../../actions/promote-digest/options.js';
import type { Input } from '../../actions/promote-digest/names.gen.js';
import { testContext } from '../support/context.js';

function context(inputs: Partial<Record<Input, string>>, env: NodeJS.ProcessEnv = {}) {
  const masked: string[] = [];
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'pd-options-'));
  const ctx = testContext<Input>('promote-digest', {
    env: { GITHUB_WORKSPACE: workspace, ...env },
    inputs: (name) => inputs[name as Input] ?? '',
    mask: (s) => masked.push(s),
  });
  return { ctx, masked, workspace };
}

describe('promote-digest options', () => {
  it('masks each password of the credentials input once, as it reads it', () => {
    const { ctx, masked } = context({
      source: 'oci:image:dev',
      credentials: 'ghcr.io=bot:pw-1\nquay.io=bot:pw-1\nregistry.lab=me:pw-2',
    });
    const o = options(ctx);
    expect(masked).toEqual(['pw-1', 'pw-2']);
    expect(o.credentials.get('quay.io')).toEqual({ username: 'bot', password: 'pw-1' });
  });

  it('names the run from the GitHub context, and the Docker config from DOCKER_CONFIG', () => {
    const { ctx, workspace } = context(
      { source: 'oci:image:dev', targets: ':a, :b' },
      {
        GITHUB_REPOSITORY: 'o/r',
        GITHUB_RUN_ID: '7',
        GITHUB_RUN_ATTEMPT: '2',
        GITHUB_WORKFLOW: 'ci',
        DOCKER_CONFIG: '/cfg',
      },
    );
    const o = options(ctx);
    expect(o).toMatchObject({
      source: 'oci:image:dev',
      targets: [':a', ':b'],
      workspace,
      dockerConfig: '/cfg/config.json',
      concurrency: 4,
      overwrite: true,
      referrers: false,
      record: '',
    });
    expect(o.run).toEqual({
      repository: 'o/r',
      workflow: 'ci',
      runId: '7',
      runAttempt: '2',
      url: 'https://github.com/o/r/actions/runs/7/attempts/2',
    });
    // A fact the runner did not give is left out of the record.
    expect(JSON.parse(JSON.stringify(o.run))).not.toHaveProperty('sha');
  });

  it('refuses a digest that is not one, naming the input', () => {
    const { ctx } = context({ source: 'oci:image:dev', digest: 'sha256:abc' });
    expect(() => options(ctx)).toThrow(
      'input "digest": "sha256:abc" is not a digest; allowed: sha256: and 64 lowercase hex digits',
    );
  });
});
