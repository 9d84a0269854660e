import { buildProbeConfig, rampConfig, type RawOptions } from '../../src/config/probeConfig.js';
import { resolveTarget } from '../../src/net/resolve.js';
import type { RampResult } from '../../src/probe/result.js';
import { runRampProbe } from '../../src/probe/runRampProbe.js';

/**
 * Runs a ramp in this process against `address` with the given flags, dialing from `sources`
 * (round-robin) when given: on the native engine with `engine: 'native'`, else on the TypeScript one.
 */
export async function rampAgainst(
  address: string,
  raw: RawOptions,
  signal = new AbortController().signal,
  sources: readonly string[] = [],
): Promise<RampResult> {
  const config = rampConfig(buildProbeConfig(raw, [address], () => Buffer.alloc(0)));
  const endpoint = await resolveTarget(config.target);
  const routes = sources.length === 0 ? [{ endpoint }] : sources.map((localAddress) => ({ endpoint, localAddress }));
  const workers = typeof config.workers === 'number' ? config.workers : 1;
  return runRampProbe(config, { routes, workers, engine: config.engine === 'native' ? 'native' : 'js' }, { signal });
}

/** Returns what a ramp saw, round by round, for an assertion's message: why a number is not the one expected. */
export function whatItSaw(r: RampResult): string {
  return JSON.stringify({
    verdict: r.verdict,
    stop: r.stopReason,
    maximum: r.maximum,
    droppedHeld: r.droppedHeld,
    droppedOldest: r.droppedOldest,
    failures: r.failures,
    pace: r.paceChanges,
    rounds: r.rounds.map((x) => [x.target, x.held, x.settling, x.unverified, x.served, x.failures, x.outpaced]),
  });
}
