import { buildProbeConfig, type RawOptions } from '../../src/config.js';
import { resolveTarget } from '../../src/net/resolve.js';
import type { RampResult } from '../../src/result.js';
import { runRampProbe } from '../../src/runRampProbe.js';

/** Runs a ramp in this process against `address` with the given flags. */
export async function rampAgainst(address: string, raw: RawOptions, signal = new AbortController().signal): Promise<RampResult> {
  const config = buildProbeConfig(raw, [address], () => Buffer.alloc(0));
  return runRampProbe(config, { routes: [{ endpoint: await resolveTarget(config.target) }], workers: 1 }, { signal });
}
