import { setTimeout as delay } from 'node:timers/promises';

/**
 * Resolves once `condition()` is true, checking every 5 ms; rejects after `ms` naming `what`.
 * For a state another process (or the kernel) reaches in its own time, where no event says so.
 */
export async function waitUntil(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await delay(5);
  }
}
