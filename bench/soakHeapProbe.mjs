// Loaded into every prober process of a soak (NODE_OPTIONS=--import, so the shards too): after each
// full (mark-compact) collection the garbage collector runs by itself, appends the heap's used size
// to $GOON_SOAK_HEAP_DIR/<pid>.jsonl. That is what the process keeps, which its resident size
// cannot tell from a collection not yet run. Nothing is forced: the process collects as it would.
import { appendFileSync } from 'node:fs';
import { constants, PerformanceObserver } from 'node:perf_hooks';

const dir = process.env.GOON_SOAK_HEAP_DIR;
if (dir) {
  const file = `${dir}/${process.pid}.jsonl`;
  // Entries come in batches, after the collections: one reading a batch with a full collection in it.
  const observer = new PerformanceObserver((list) => {
    if (list.getEntries().some((entry) => entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR))
      appendFileSync(file, `${JSON.stringify({ at: Date.now(), heapUsed: process.memoryUsage().heapUsed })}\n`);
  });
  observer.observe({ entryTypes: ['gc'] });
}
