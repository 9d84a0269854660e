// Loaded into every prober process of a soak (NODE_OPTIONS=--import, so the shards too).
// - After each full (mark-compact) collection it appends the heap's used size to
//   $GOON_SOAK_HEAP_DIR/<pid>.jsonl: what the process keeps, which its resident size cannot tell
//   from a collection not yet run; with it, the heap's committed size by space and the memory
//   outside the heap (external, array buffers).
// - With $GOON_SOAK_COLLECT_MS, it also runs a full collection that often. A garbage-collected
//   process's resident size otherwise saws with the collector's own cycle (a 70 MB Node process by
//   10-20%, over periods of up to half an hour), which hides a slow leak as well as it fakes one.
//   A collection frees only garbage: what a leak keeps stays, and the resident size shows it.
import { appendFileSync } from 'node:fs';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const dir = process.env.GOON_SOAK_HEAP_DIR;
if (dir) {
  const file = `${dir}/${process.pid}.jsonl`;
  // Entries come in batches, after the collections: one reading a batch with a full collection in it.
  const observer = new PerformanceObserver((list) => {
    if (list.getEntries().some((entry) => entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) {
      const memory = process.memoryUsage();
      // Beside the heap's use, what the heap has committed, by space (the young generation grows
      // under a burst of allocations and is resident though empty), and the memory outside it.
      const committed = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, s.space_size]));
      const line = {
        at: Date.now(),
        heapUsed: memory.heapUsed,
        heapTotal: memory.heapTotal,
        external: memory.external,
        arrayBuffers: memory.arrayBuffers,
        committed,
      };
      appendFileSync(file, `${JSON.stringify(line)}\n`);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
}

const collectMs = Number(process.env.GOON_SOAK_COLLECT_MS ?? 0);
if (collectMs > 0) {
  // `gc` exists only with --expose-gc, which NODE_OPTIONS does not take: set it, then read it
  // from a new context (the flag applies to contexts made after it).
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc');
  setInterval(() => gc(), collectMs).unref();
}
