import type { CliIO } from './cliIO.js';
import type { RawOptions } from '../config/probeConfig.js';
import { readEnvironment, readKernelTuning } from '../probe/environment.js';
import { sourceAddressFor } from '../net/dialer.js';
import { formatEndpoint, resolveTarget } from '../net/resolve.js';
import { preflight } from '../probe/preflight.js';
import { renderDoctor } from '../report/doctorText.js';
import { parseTarget, type TargetSpec } from '../net/target.js';
import { isUrlTarget, parseUrlTarget } from '../protocols/urlTarget.js';
import { loadNativeEngine } from '../fleet/nativeEngine.js';

/** Prints what this machine can hold as a prober, with tuning advice; sends no traffic. Returns 0. */
export async function doctorCommand(positionals: readonly string[], _raw: RawOptions, io: CliIO): Promise<number> {
  // Node raises its soft open-file limit to the hard one at startup, so this is what a run gets.
  const environment = readEnvironment();
  let target = null;
  if (positionals.length > 0) {
    const first = positionals[0] as string;
    const url = isUrlTarget(first) ? parseUrlTarget(first, {}) : null;
    const spec: TargetSpec = url
      ? { host: url.host, port: url.ports[0] as number, display: url.display }
      : parseTarget(positionals);
    const endpoint = await resolveTarget(spec);
    target = { given: spec.display, dialed: formatEndpoint(endpoint), source: await sourceAddressFor(endpoint) };
  }
  const findings = {
    environment,
    tuning: readKernelTuning(),
    target,
    preflight: preflight(environment, { reach: null, destinations: 1, sources: 0 }),
    engine: engineHere(),
  };
  io.out(renderDoctor(findings));
  return 0;
}

/** Whether the native engine loads here, and from where. */
function engineHere(): { available: true; from: string } | { available: false; why: string } {
  const load = loadNativeEngine();
  return load.ok ? { available: true, from: load.from } : { available: false, why: load.why };
}
