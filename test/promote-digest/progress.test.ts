import { describe, expect, it } from '@jest/globals';
import { collectLog } from '../../shared/action/log.js';
import { progressReporter } from '../../actions/promote-digest/progress.js';

describe('copy progress', () => {
  it('says how much was copied and how fast, at most every 10 s', () => {
    let t = 0;
    const log = collectLog();
    const streamed = progressReporter(log, { now: () => t });
    const mib = 1024 * 1024;
    for (let s = 1; s <= 25; s++) {
      t = s * 1000;
      streamed(8 * mib);
    }
    expect(log.lines).toEqual([
      'copied 80.0 MiB so far, 8.0 MiB/s',
      'copied 160.0 MiB so far, 8.0 MiB/s',
    ]);
  });
});
