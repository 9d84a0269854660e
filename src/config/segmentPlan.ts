import { createHash } from 'node:crypto';
import { parseDuration } from '../units.js';
import { UsageError } from '../usageError.js';

/** Which part of an N-way split of one ramp plan this process runs (`--segment I/N`). */
export interface Segment {
  /** 0-based. */
  readonly index: number;
  readonly count: number;
}

/**
 * Returns segment `index`'s share of `total` in an N-way split: floor((total + index) / N). The
 * shares of all N segments add up to `total` exactly, for every total (Hermite's identity), and
 * differ by at most one.
 */
export function segmentShare(total: number, segment: Segment | undefined): number {
  if (segment === undefined || !Number.isFinite(total)) return total;
  return Math.floor((total + segment.index) / segment.count);
}

/** Returns the segment of `--segment I/N` (0 <= I < N), or throws a UsageError naming the fix. */
export function parseSegment(text: string): Segment {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index >= count || count > 10_000) {
    throw new UsageError(
      `--segment ${JSON.stringify(text)} is not a segment; use I/N with 0 <= I < N, like 0/3 for the first of three`,
    );
  }
  return { index, count };
}

/**
 * Returns the wall-clock start (ms since the epoch) of `--start-at`: an RFC 3339 UTC time
 * (`2026-11-27T17:00:00Z`) or `+DURATION` from `nowMs` (`+30s`).
 */
export function parseStartAt(text: string, nowMs: number): number {
  const trimmed = text.trim();
  if (trimmed.startsWith('+')) return nowMs + parseDuration(trimmed.slice(1), '--start-at', 's');
  const utc = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]00:00)$/i.test(trimmed);
  const ms = Date.parse(trimmed);
  if (!utc || !Number.isFinite(ms)) {
    throw new UsageError(
      `--start-at ${JSON.stringify(text)} is not a time; use an RFC 3339 UTC time like 2026-11-27T17:00:00Z, or +30s from now`,
    );
  }
  return ms;
}

/** Returns the default run id: the same on every host given the same plan and start, different otherwise. */
export function defaultRunId(plan: unknown, startAtMs: number): string {
  return createHash('sha256')
    .update(JSON.stringify({ plan, startAt: new Date(startAtMs).toISOString() }))
    .digest('hex')
    .slice(0, 12);
}
