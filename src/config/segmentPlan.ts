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
/** The most segments a plan splits into. */
export const MAX_SEGMENTS = 10_000;

export function parseSegment(text: string): Segment {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index >= count || count > MAX_SEGMENTS) {
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
  const shown = JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
  const notATime = (): UsageError =>
    new UsageError(
      `--start-at ${shown} is not a time; use an RFC 3339 UTC time like 2026-11-27T17:00:00Z, or +30s from now`,
    );
  let ms: number;
  if (trimmed.startsWith('+')) ms = nowMs + parseDuration(trimmed.slice(1), '--start-at', 's');
  else {
    const parts = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]00:00)$/i.exec(trimmed);
    ms = Date.parse(trimmed);
    if (!parts || !Number.isFinite(ms)) throw notATime();
    // Date.parse rolls an impossible date over (February 30th becomes March 2nd): refuse it instead.
    const back = new Date(ms);
    const [year, month, day, hour, minute, second] = parts.slice(1, 7).map(Number);
    const same =
      back.getUTCFullYear() === year &&
      back.getUTCMonth() + 1 === month &&
      back.getUTCDate() === day &&
      back.getUTCHours() === hour &&
      back.getUTCMinutes() === minute &&
      back.getUTCSeconds() === second;
    if (!same) throw notATime();
  }
  if (!Number.isFinite(ms) || ms - nowMs > MAX_START_AHEAD_MS)
    throw new UsageError(
      `--start-at ${shown} is more than a day ahead; segments start together within minutes, so give a time within 24h`,
    );
  return ms;
}

/** How far ahead `--start-at` may be: a shared start is minutes away, never months. */
export const MAX_START_AHEAD_MS = 24 * 3_600_000;

/** Returns the default run id: the same on every host given the same plan and start, different otherwise. */
export function defaultRunId(plan: unknown, startAtMs: number): string {
  return createHash('sha256')
    .update(JSON.stringify({ plan, startAt: new Date(startAtMs).toISOString() }))
    .digest('hex')
    .slice(0, 12);
}
