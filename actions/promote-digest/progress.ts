import type { Log } from '../../shared/action/log.js';

/**
 * A line about the bytes streamed so far and the rate, at most every `everyMs`: a large
 * promotion would otherwise print nothing for minutes.
 */
export function progressReporter(
  log: Log,
  opts: { everyMs?: number; now?: () => number } = {},
): (bytes: number) => void {
  const everyMs = opts.everyMs ?? 10_000;
  const now = opts.now ?? Date.now;
  const started = now();
  let last = started;
  let total = 0;
  return (bytes) => {
    total += bytes;
    const t = now();
    if (t - last < everyMs) return;
    last = t;
    const rate = total / Math.max(0.001, (t - started) / 1000);
    log.info(`copied ${mib(total)} so far, ${mib(rate)}/s`);
  };
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
