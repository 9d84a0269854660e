import { hostname } from 'node:os';
import { systemClock } from '../clock.js';
import type { FixedConfig, ProbeConfig, RampConfig } from '../config/probeConfig.js';
import type { FleetObservation } from '../fleet/fleetReading.js';
import { resolveSources } from '../net/localSources.js';
import { isLoopback, isLoopbackName } from '../net/loopback.js';
import { formatEndpoint, resolveTarget, type Endpoint } from '../net/resolve.js';
import { buildRoutes, describeRoutes } from '../net/routes.js';
import { readEnvironment } from '../probe/environment.js';
import { fixedStatus, runFixed, type FixedDeps } from '../probe/fixedProbe.js';
import { preflight, runReach, workersFor } from '../probe/preflight.js';
import type { FixedResult, RampResult } from '../probe/result.js';
import type { ProbeDeps } from '../probe/runRamp.js';
import { runRampProbe, type RampWay } from '../probe/runRampProbe.js';
import { fleetOptions, startFleet } from '../probe/startFleet.js';
import { chooseEngine, nativeGap, type EngineChoice } from '../fleet/engineChoice.js';
import { loadNativeEngine } from '../fleet/nativeEngine.js';
import { readHostTimeWait, readTimeWait } from '../probe/timeWait.js';
import { buildRunRecord, type RunRecord } from '../record/runRecord.js';

/** A question asked before traffic leaves loopback: what is outside, and what would be done. */
export interface OutsideQuestion {
  readonly what: string;
  readonly action: string;
}

/** What a measurement reports as it goes; every callback is optional. */
export interface MeasureHooks {
  /** Ends the run early, with what was measured so far (Ctrl-C in the CLI). */
  readonly signal?: AbortSignal;
  /** Asked for each destination outside loopback; a false answer ends with no traffic sent. */
  readonly confirmOutside?: (question: OutsideQuestion) => Promise<boolean>;
  /** Called once the route is known and the preflight has run, before the first dial. */
  readonly onStart?: (start: MeasureStart) => void;
  /** Debugging lines (`--debug`). */
  readonly onDebug?: (line: string) => void;
  /** Called with every fleet reading (for metrics). */
  readonly onObservation?: (obs: FleetObservation) => void;
  /** Ramp mode: rounds, search steps, the wait for --start-at, the live state. */
  readonly ramp?: Pick<ProbeDeps, 'onRound' | 'onSearchStep' | 'onWaiting' | 'onProgress' | 'progressEveryMs'>;
  /** Fixed mode: tcpgoon's status counts, at once and every interval. */
  readonly onStatus?: FixedDeps['onStatus'];
  /** V8 flags of shard processes, when not the default. */
  readonly shardV8Flags?: readonly string[];
  /** What the record says ran: the tool's version and the command line. */
  readonly version: string;
  readonly argv: readonly string[];
}

/** What a measurement knows before the first dial. */
export interface MeasureStart {
  /** The addresses dialed, with source addresses where they were chosen. */
  readonly dialed: string;
  readonly workers: number;
  /** The preflight's warnings: the prober's own limits that may bound the run. */
  readonly warnings: readonly string[];
  /** The connection engine that runs, and why. */
  readonly engine: EngineChoice;
}

/** How a measurement ended. */
export type Measured =
  /** Refused before any traffic: the plan's time (--start-at, --max-duration) was over. */
  | { readonly kind: 'refused'; readonly problem: string; readonly exitCode: 3 }
  /** A destination outside loopback was not confirmed: nothing was sent. */
  | { readonly kind: 'declined'; readonly problem: string }
  /** Interrupted while it waited for --start-at: nothing was measured, so there is no record. */
  | { readonly kind: 'nothing'; readonly result: RampResult }
  | { readonly kind: 'measured'; readonly result: RampResult | FixedResult; readonly record: RunRecord };

/**
 * Runs a probe from a valid config and returns its result and run record: resolves the targets,
 * reads the machine's limits, runs the preflight, holds the connections and closes them after.
 * It prints nothing and writes no file: the CLI and the library (`probe()`) both use it.
 */
export async function measure(config: ProbeConfig, hooks: MeasureHooks): Promise<Measured> {
  const late = config.ramp && config.startAtMs !== undefined ? Date.now() - config.startAtMs : 0;
  if (config.ramp && late >= config.ramp.maxDurationMs)
    return {
      kind: 'refused',
      exitCode: 3,
      problem: `--start-at ${new Date(config.startAtMs as number).toISOString()} was ${Math.round(late / 1000)}s ago, past the plan's end (--max-duration ${config.ramp.maxDurationMs / 1000}s); start every segment again with a later --start-at`,
    };
  const endpoints = await Promise.all(config.targets.map((target) => resolveTarget(target)));
  const declined = await outsideDeclined(config, endpoints, hooks.confirmOutside);
  if (declined) return { kind: 'declined', problem: declined };
  const environment = readEnvironment();
  const reach = runReach(config);
  const ports = environment.ephemeralPorts;
  const sources = await resolveSources(config.sources, endpoints, reach, ports ? ports.high - ports.low + 1 : null);
  const workers = config.workers === 'auto' ? workersFor(reach, environment) : config.workers;
  const routes = buildRoutes(endpoints, sources);
  const needs = fleetOptions(config, routes);
  const engine = chooseEngine(
    config.engine,
    nativeGap(needs),
    config.engine === 'js' ? { ok: false, why: '--engine js' } : loadNativeEngine(),
  );
  if (typeof engine === 'string') return { kind: 'refused', exitCode: 3, problem: engine };
  const way: RampWay = {
    routes,
    workers,
    engine: engine.engine,
    ...(hooks.shardV8Flags ? { shardV8Flags: hooks.shardV8Flags } : {}),
  };
  const dialed = describeRoutes(way.routes);
  hooks.onDebug?.(
    `${config.mode} mode, ${config.target.display} resolved to ${dialed}, ${workers} worker(s), ${engine.engine} engine (${engine.why})`,
  );
  const check = preflight(environment, {
    reach,
    destinations: endpoints.length,
    sources: sources.length,
    workers,
    readTimeWait: () => readTimeWait(endpoints),
    timeWaitAtMost: readHostTimeWait(),
  });
  hooks.onStart?.({ dialed, workers, warnings: check.warnings, engine });
  const startedAt = new Date();
  const signal = hooks.signal ?? new AbortController().signal;
  const result: RampResult | FixedResult =
    config.mode === 'fixed'
      ? await fixedRun(config, way, dialed, signal, hooks)
      : await rampRun(config, way, signal, hooks, check.warnings);
  if (result.mode === 'ramp' && result.rounds.length === 0 && result.stopReason === 'interrupted')
    return { kind: 'nothing', result };
  const record = buildRunRecord({
    version: hooks.version,
    argv: hooks.argv,
    startedAt,
    endedAt: new Date(),
    config,
    environment,
    result,
    preflight: check,
    way: { workers, sourceAddresses: sources, destinations: endpoints.map(formatEndpoint), engine },
    host: hostname(),
  });
  return { kind: 'measured', result, record };
}

async function rampRun(
  config: RampConfig,
  way: RampWay,
  signal: AbortSignal,
  hooks: MeasureHooks,
  preflightWarnings: readonly string[],
): Promise<RampResult> {
  const measured = await runRampProbe(config, way, {
    signal,
    // --start-at is wall-clock time; the loop runs on the monotonic clock: convert once, here.
    ...(config.startAtMs === undefined ? {} : { startAtMs: systemClock.now() + (config.startAtMs - Date.now()) }),
    ...(hooks.onObservation ? { onObservation: hooks.onObservation } : {}),
    ...hooks.ramp,
  });
  return { ...measured, warnings: [...preflightWarnings, ...measured.warnings] };
}

async function fixedRun(
  config: FixedConfig,
  way: RampWay,
  dialed: string,
  signal: AbortSignal,
  hooks: MeasureHooks,
): Promise<FixedResult> {
  const fleet = await startFleet(config, way.routes, way.workers, way.shardV8Flags, way.engine);
  try {
    const result = await runFixed(config, {
      fleet,
      clock: systemClock,
      signal,
      dialed,
      ...(hooks.onObservation ? { onObservation: hooks.onObservation } : {}),
      ...(hooks.onStatus ? { onStatus: hooks.onStatus } : {}),
    });
    if (hooks.onDebug) hooks.onDebug(`final ${JSON.stringify(fixedStatus(config.connections, await fleet.observe()))}`);
    return result;
  } finally {
    await fleet.stop();
  }
}

/** Returns why the run may not leave loopback (a question declined), or null. */
async function outsideDeclined(
  config: ProbeConfig,
  endpoints: readonly Endpoint[],
  confirm: MeasureHooks['confirmOutside'],
): Promise<string | null> {
  if (config.assumeYes) return null;
  const remote = endpoints.find((endpoint) => !isLoopback(endpoint.host));
  const statsd = config.statsd && !isLoopbackName(config.statsd.host) ? config.statsd.host : null;
  // Each destination outside loopback is asked about on its own: the target, then the metrics.
  const questions: OutsideQuestion[] = [
    ...(remote
      ? [
          {
            what: `${config.target.display} (${formatEndpoint(remote)}) is not a loopback address`,
            action: 'Open connections to it',
          },
        ]
      : []),
    ...(statsd ? [{ what: `--statsd-host ${statsd} is not a loopback address`, action: 'Send metrics to it' }] : []),
  ];
  for (const question of questions) {
    if (!confirm || !(await confirm(question)))
      return `${question.what}; ${confirm ? 'declined' : 'pass assumeYes: true to allow it'}`;
  }
  return null;
}
