import { linearRegression } from 'simple-statistics';

/** One reading of a series over a soak: a process's resident memory, or its open files. */
export interface SoakPoint {
  readonly atMs: number;
  readonly value: number;
}

/** What a soak's series did after its warm-up, and whether that is flat. */
export interface SoakJudgement {
  /** The first reading after the warm-up, and the last one. */
  readonly first: number;
  readonly last: number;
  /** The lowest and highest readings after the warm-up. */
  readonly low: number;
  readonly high: number;
  /** (high - low) / first: the raw readings' spread, collection peaks included. */
  readonly spread: number;
  /**
   * The lowest and highest of the kept level from the first full window on (each reading's lowest in the five minutes up to it:
   * what the process keeps after its collections; or, for open files, each reading's highest), and
   * their spread over the first kept level.
   */
  readonly keptLow: number;
  readonly keptHigh: number;
  readonly keptSpread: number;
  /** The straight line fitted to the kept level's last third, its rise across that third over its mean level. */
  readonly lastThirdRise: number;
  /** The kept level within the spread allowed after the warm-up. */
  readonly flat: boolean;
  /** Rising in the last third by more than allowed: memory that will run out over a longer run. */
  readonly climbing: boolean;
  /** Readings after the warm-up (judged only with at least three per third). */
  readonly points: number;
}

/** The rules: a minute's warm-up, at most 10% apart after it, and a last third that rises by less than 2%. */
export const SOAK_WARMUP_MS = 60_000;
/** The kept level at a reading: the lowest reading in this long up to it. */
export const SOAK_KEPT_WINDOW_MS = 5 * 60_000;
export const SOAK_MAX_SPREAD = 0.1;
export const SOAK_MAX_LAST_THIRD_RISE = 0.02;

/**
 * Which envelope of a series is its kept level. `low` for memory: a collected heap peaks before each
 * major collection and falls after it, and what a leak keeps raises the lows. `high` for open files:
 * churn closes a connection before it opens the next, so the count dips by the connections in flight
 * at a reading, and what a leak of descriptors keeps raises the highs above the connections asked for.
 */
export type SoakKeep = 'low' | 'high';

/**
 * Judges a soak's series (issue 28): flat within 10% from the end of the first minute to the end,
 * and no climb in the last third (a line fitted to it rises by less than 2% of its level). A leak
 * of a few megabytes a minute can stay within 10% for a while; the last third's slope shows it.
 *
 * Both rules read the kept level, not the raw readings: each reading's lowest over the five minutes
 * up to it. A garbage-collected heap's resident size peaks before each major collection and falls
 * after it, by more than 10% of a 70 MB process; what a leak keeps raises the lows too, and a leak
 * is what the soak looks for. Open files are read by their highs instead (`keep`: 'high'): churn's
 * dips are connections in flight, and a descriptor leak shows as highs above the connections asked
 * for. The raw range is returned beside it.
 * Null when there are too few readings after the warm-up to judge (fewer than nine).
 */
export function judgeSoak(
  points: readonly SoakPoint[],
  warmupMs = SOAK_WARMUP_MS,
  keptWindowMs = SOAK_KEPT_WINDOW_MS,
  keep: SoakKeep = 'low',
): SoakJudgement | null {
  if (points.length === 0) return null;
  const startMs = (points[0] as SoakPoint).atMs;
  const after = points.filter((p) => p.atMs - startMs >= warmupMs);
  if (after.length < 9) return null;
  const values = after.map((p) => p.value);
  const first = values[0] as number;
  const last = values.at(-1) as number;
  const low = Math.min(...values);
  const high = Math.max(...values);
  const spread = first > 0 ? (high - low) / first : 0;
  const fromMs = (after[0] as SoakPoint).atMs;
  const toMs = (after.at(-1) as SoakPoint).atMs;
  // A kept level stands for its window once the window is full: until then it is a few readings,
  // and the first one alone may be a collection's peak or a churn's dip. The window is at most a
  // quarter of the judged part, so that a short soak is judged on most of its readings.
  const windowMs = Math.min(keptWindowMs, (toMs - fromMs) / 4);
  const kept = keptLevel(after, windowMs, keep);
  const full = kept.filter((p) => p.atMs - fromMs >= windowMs);
  const keptValues = full.map((p) => p.value);
  const keptLow = Math.min(...keptValues);
  const keptHigh = Math.max(...keptValues);
  const keptFirst = keptValues[0] as number;
  const keptSpread = keptFirst > 0 ? (keptHigh - keptLow) / keptFirst : 0;
  const thirdFromMs = fromMs + ((toMs - fromMs) * 2) / 3;
  const third = kept.filter((p) => p.atMs >= thirdFromMs);
  const mean = third.reduce((sum, p) => sum + p.value, 0) / third.length;
  const { m } = linearRegression(third.map((p) => [p.atMs, p.value]));
  const lastThirdRise = mean > 0 ? (m * (toMs - thirdFromMs)) / mean : 0;
  return {
    first,
    last,
    low,
    high,
    spread,
    keptLow,
    keptHigh,
    keptSpread,
    lastThirdRise,
    flat: keptSpread <= SOAK_MAX_SPREAD,
    climbing: lastThirdRise > SOAK_MAX_LAST_THIRD_RISE,
    points: after.length,
  };
}

/** Returns each reading's kept level: the lowest (or highest) of the readings within `windowMs` up to it (the series' own, from its start). */
export function keptLevel(
  points: readonly SoakPoint[],
  windowMs = SOAK_KEPT_WINDOW_MS,
  keep: SoakKeep = 'low',
): SoakPoint[] {
  const pick = keep === 'low' ? Math.min : Math.max;
  return points.map((p, i) => {
    let value = p.value;
    for (let j = i - 1; j >= 0 && p.atMs - (points[j] as SoakPoint).atMs <= windowMs; j--)
      value = pick(value, (points[j] as SoakPoint).value);
    return { atMs: p.atMs, value };
  });
}

/** Returns the lowest and highest reading within `windowMs` of the start (from the warm-up's end) or of the end. */
export function windowRange(
  points: readonly SoakPoint[],
  which: 'first' | 'last',
  windowMs: number,
  warmupMs = SOAK_WARMUP_MS,
): { low: number; high: number } | null {
  if (points.length === 0) return null;
  const startMs = (points[0] as SoakPoint).atMs + warmupMs;
  const endMs = (points.at(-1) as SoakPoint).atMs;
  const inside = points.filter((p) =>
    which === 'first'
      ? p.atMs >= startMs && p.atMs <= startMs + windowMs
      : p.atMs >= Math.max(startMs, endMs - windowMs),
  );
  if (inside.length === 0) return null;
  const values = inside.map((p) => p.value);
  return { low: Math.min(...values), high: Math.max(...values) };
}

export type SoakVerdict = 'flat' | 'NOT flat' | 'too short';

/**
 * The run's verdict from its judgements: every resident size flat and not climbing, and every
 * process's open files (read by their highs) flat and not climbing. 'too short' when the summed
 * memory could not be judged.
 */
export function soakVerdict(
  judgements: Readonly<Record<string, { rss: SoakJudgement | null; fds: SoakJudgement | null }>>,
): SoakVerdict {
  if (!judgements.total?.rss) return 'too short';
  const ok = (j: SoakJudgement | null): boolean => j === null || (j.flat && !j.climbing);
  return Object.values(judgements).every((j) => ok(j.rss) && ok(j.fds)) ? 'flat' : 'NOT flat';
}
