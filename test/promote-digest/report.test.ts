import { describe, expect, it } from '@jest/globals';
import { report } from '../../actions/promote-digest/report.js';
import { newStats } from '../../actions/promote-digest/store.js';
import type { PromoteResult } from '../../actions/promote-digest/types.js';

const D = `sha256:${'a'.repeat(64)}`;
const E = `sha256:${'b'.repeat(64)}`;

function result(over: Partial<PromoteResult> = {}): PromoteResult {
  return {
    source: 'r.example/app:dev',
    sourceRef: `r.example/app@${D}`,
    digest: D,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    platforms: [],
    targets: [
      {
        target: 'r.example/app:x',
        ref: `r.example/app@${D}`,
        tag: 'x',
        status: 'overwritten',
        holds: E,
        referrers: 0,
      },
    ],
    referrers: 0,
    stats: newStats(),
    verifyOnly: false,
    changed: true,
    ...over,
  };
}

describe('promotion report', () => {
  it('shows registry error text in the summary headline as text, not markup', () => {
    const failure =
      'r.example/app: PUT answered HTTP 400 (<img src=x onerror=alert(1)> **bold** [link](http://evil))';
    const { summary, notes } = report(result(), undefined, failure);
    const headline = summary.split('\n')[2];
    expect(headline).not.toContain('<img');
    expect(headline).toContain('&lt;img src=x onerror=alert\\(1\\)&gt;');
    expect(headline).toContain('\\*\\*bold\\*\\*');
    expect(headline).toContain('\\[link\\]\\(http://evil\\)');
    // The log line is not Markdown: it stays as the registry wrote it.
    expect(notes[0]).toContain('<img src=x onerror=alert(1)>');
  });

  it('says what each tag holds, and warns for a tag another promotion moved (overwrite: true)', () => {
    const r = report(result());
    expect(r.outputs.promoted).toEqual([
      {
        target: 'r.example/app:x',
        ref: `r.example/app@${D}`,
        status: 'overwritten',
        previous: null,
        holds: E,
        referrers: 0,
      },
    ]);
    expect(r.warnings).toEqual([
      `r.example/app:x holds ${E}, not ${D}: another promotion wrote it after this one`,
    ]);
    expect(r.summary).toContain(`| overwritten | r.example/app:x |  | ${E.slice(0, 19)} |`);
  });
});
