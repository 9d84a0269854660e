/** A pacer's state: when the next start is allowed (ms, on the run's clock). */
export interface Pacer {
  readonly nextAtMs: number;
}

/** How far behind a pacer may fall, and so catch up in one burst (ms of starts): about one sweep. */
const MAX_LAG_MS = 10;

/**
 * Returns how many of `waiting` starts may go now at `ratePerSec` (tcpkali's --connect-rate), and
 * the pacer's next state. Starts are spaced 1000/rate ms apart; after an idle spell the pacer does
 * not save up starts, it allows at most MAX_LAG_MS worth at once.
 */
export function pace(
  pacer: Pacer,
  nowMs: number,
  ratePerSec: number,
  waiting: number,
): { readonly release: number; readonly pacer: Pacer } {
  const gapMs = 1000 / ratePerSec;
  let next = Math.max(pacer.nextAtMs, nowMs - Math.max(0, MAX_LAG_MS - gapMs));
  let release = 0;
  while (release < waiting && next <= nowMs) {
    release++;
    next += gapMs;
  }
  return { release, pacer: { nextAtMs: release > 0 ? next : pacer.nextAtMs } };
}
