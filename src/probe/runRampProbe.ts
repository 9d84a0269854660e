import type { EngineName } from '../fleet/engineChoice.js';
import { systemClock } from '../clock.js';
import type { RampConfig } from '../config/probeConfig.js';
import { runRamp, type ProbeDeps } from './runRamp.js';
import { refineConfig, shouldRefine, withFirstPass } from './refine.js';
import type { RampResult } from './result.js';
import { describeRoutes, type Route } from '../net/routes.js';
import { startFleet } from './startFleet.js';

/** Where a ramp goes: its routes, and how many shard processes hold the connections. */
export interface RampWay {
  readonly routes: readonly Route[];
  readonly workers: number;
  /** V8 flags of the shard processes, when not the default (the bench tries others). */
  readonly shardV8Flags?: readonly string[];
  /** The connection engine chosen for the run (engineChoice.ts); the TypeScript fleet when absent. */
  readonly engine?: EngineName;
}

/** What a caller gives a ramp: everything of ProbeDeps but the fleet, the clock and the route names, which this module supplies. */
export type RampProbeOptions = Omit<ProbeDeps, 'fleet' | 'clock' | 'dialed'>;

/** Returns the result of a ramp over the routes on the real clock; its connections are always closed after. */
export async function runRampProbe(config: RampConfig, way: RampWay, options: RampProbeOptions): Promise<RampResult> {
  const first = await onePass(config, way, options);
  if (!shouldRefine(config, first) || options.signal.aborted) return first;
  // Every connection of the first pass is closed before the second starts: the target backs off.
  const second = await onePass(refineConfig(config, first), way, options);
  return withFirstPass(second, first);
}

async function onePass(config: RampConfig, way: RampWay, options: RampProbeOptions): Promise<RampResult> {
  const fleet = await startFleet(config, way.routes, way.workers, way.shardV8Flags, way.engine);
  try {
    return await runRamp(config, { ...options, fleet, clock: systemClock, dialed: describeRoutes(way.routes) });
  } finally {
    await fleet.stop();
  }
}
