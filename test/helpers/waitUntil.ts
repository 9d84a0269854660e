import { setTimeout as delay } from 'node:timers/promises';

/**
 * Resolves once `condition()` is true, checking every 5 ms; rejects after `ms` naming `what`.
 * For a state another process (or the kernel) reaches in its own time, where no event says so.
 */
export async function waitUntil(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  await waitFor(() => condition(), Boolean, what, ms);
}

/**
 * Resolves with the first reading that satisfies `ok`, reading every 5 ms; rejects after `ms`
 * naming `what` and the last reading. Readings may be promises (a sharded fleet's live counts).
 */
export async function waitFor<T>(
  read: () => T | Promise<T>,
  ok: (value: T) => boolean,
  what: string,
  ms = 5000,
): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (performance.now() > deadline) throw new Error(`${what}: not within ${ms} ms (last: ${JSON.stringify(value)})`);
    await delay(5);
  }
}
