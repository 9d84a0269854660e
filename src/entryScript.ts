import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The process entry points besides bin.ts, each a file of src/entries/ that a parent forks: a
 * shard of a ShardedFleet, a worker of a multi-process hold target, an acceptor of a queue target.
 * Only these files (and bin.ts) touch `process`: they exit, read argv and talk over IPC.
 */
export type EntryPoint = 'shard' | 'holdWorker' | 'queueAcceptor';

export const ENTRY_POINTS: readonly EntryPoint[] = ['shard', 'holdWorker', 'queueAcceptor'];

/** Returns the path of an entry point's script, compiled (.js) or run from source (.ts) like this file. */
export function entryScript(name: EntryPoint): string {
  const here = fileURLToPath(import.meta.url);
  return fileURLToPath(new URL(`./entries/${name}${extname(here)}`, import.meta.url));
}
