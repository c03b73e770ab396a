import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * Every chunk a socket reads is a fresh Buffer outside V8's heap; V8 only collects them once
 * about 64 MiB of such memory has piled up, so a large blob streamed with perfect
 * backpressure still lifts the process's peak by that much. A young-generation collection
 * after every 2 MiB streamed frees the chunks already written on (it costs well under a
 * millisecond: the heap of a promotion is small), and keeps the peak flat at any blob size:
 * collecting every 8 MiB let the chunks awaiting collection swing up to 16 MiB, and the peak
 * then rose with the blob's length (the longer the copy, the higher its highest swing).
 */
const EVERY_BYTES = 2 * 1024 * 1024;

let collect: ((options: { type: 'minor' }) => void) | null | undefined;

function collector(): typeof collect {
  if (collect === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      collect = vm.runInNewContext('gc') as typeof collect;
    } catch {
      // A runtime that refuses: memory then follows V8's own schedule.
      collect = null;
    }
  }
  return collect;
}

/** Counts bytes streamed by the whole run; collects the garbage chunks every few MiB. */
export function chunkCollector(): (bytes: number) => void {
  let since = 0;
  return (bytes) => {
    since += bytes;
    if (since < EVERY_BYTES) return;
    since = 0;
    collector()?.({ type: 'minor' });
  };
}
