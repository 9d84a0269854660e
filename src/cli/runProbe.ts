import { hostname } from 'node:os';
import type { CliIO } from './cliIO.js';
import { systemClock } from '../clock.js';
import type { ProbeConfig } from '../config/probeConfig.js';
import { readEnvironment } from '../probe/environment.js';
import { readHostTimeWait, readTimeWait } from '../probe/timeWait.js';
import { preflight, runReach, workersFor } from '../probe/preflight.js';
import { fixedStatus, runFixed } from '../probe/fixedProbe.js';
import { resolveSources } from '../net/localSources.js';
import { isLoopback, isLoopbackName } from '../net/loopback.js';
import { formatEndpoint, resolveTarget, type Endpoint } from '../net/resolve.js';
import { resultLine } from '../report/explain.js';
import { renderFixedReport } from '../report/fixedText.js';
import { renderRampReport } from '../report/rampText.js';
import { formatStatusLine } from '../report/statusLine.js';
import { formatTraffic } from '../report/trafficText.js';
import type { FixedResult, RampResult } from '../probe/result.js';
import { buildRunRecord } from '../record/runRecord.js';
import { buildRoutes, describeRoutes } from '../net/routes.js';
import { runRampProbe, type RampWay } from '../probe/runRampProbe.js';
import { startFleet } from '../probe/startFleet.js';
import type { FleetObservation } from '../fleet/fleetReading.js';
import { startMetricsSinks } from './metricsSinks.js';
import { progressPrinter } from './progressPrinter.js';
import { confirmOutside } from './confirmOutside.js';
import { checkOutputPaths, stdoutTaken, writeRecordOutputs } from './recordOutputs.js';
import { formatDuration } from '../units.js';

/** What the probe command needs besides its options: the raw argv (for the record) and the version. */
export interface ProbeContext {
  readonly argv: readonly string[];
  readonly version: string;
}

/** Runs a probe from a valid config (fixed or ramp mode), writes every requested output, and returns the exit code. */
export async function runProbe(config: ProbeConfig, io: CliIO, context: ProbeContext): Promise<number> {
  const late = config.ramp && config.startAtMs !== undefined ? Date.now() - config.startAtMs : 0;
  if (config.ramp && late >= config.ramp.maxDurationMs) {
    // Nothing of the plan is left to run: a segment this late cannot be part of the run.
    io.err(
      `goon-probe: --start-at ${new Date(config.startAtMs as number).toISOString()} was ${Math.round(late / 1000)}s ago, past the plan's end (--max-duration ${config.ramp.maxDurationMs / 1000}s); start every segment again with a later --start-at\n`,
    );
    return 3;
  }
  checkOutputPaths(config, io.env);
  const endpoints = await Promise.all(config.targets.map((target) => resolveTarget(target)));
  if (!(await confirmed(config, endpoints, io))) return 1;
  const environment = readEnvironment();
  const reach = runReach(config);
  const ports = environment.ephemeralPorts;
  const sources = await resolveSources(config.sources, endpoints, reach, ports ? ports.high - ports.low + 1 : null);
  const workers = config.workers === 'auto' ? workersFor(reach, environment) : config.workers;
  const shardV8Flags = io.env.GOON_PROBE_SHARD_V8?.split(' ').filter(Boolean);
  const way: RampWay = { routes: buildRoutes(endpoints, sources), workers, ...(shardV8Flags ? { shardV8Flags } : {}) };
  const dialed = describeRoutes(way.routes);
  if (config.debug)
    io.err(`debug: ${config.mode} mode, ${config.target.display} resolved to ${dialed}, ${workers} worker(s)\n`);
  // With --json - or --markdown -, stdout carries only that document; the text goes to stderr.
  const text = config.quiet ? () => {} : stdoutTaken(config) ? io.err : io.out;
  const last = stdoutTaken(config) ? io.err : io.out;
  const check = preflight(environment, {
    reach,
    destinations: endpoints.length,
    sources: sources.length,
    workers,
    readTimeWait: () => readTimeWait(endpoints),
    timeWaitAtMost: readHostTimeWait(),
  });
  if (!config.quiet) for (const warning of check.warnings) io.err(`warning: ${warning}\n`);
  const sinks = await startMetricsSinks(config, (message) => io.err(`warning: ${message}\n`));
  if (sinks.metricsUrl && !config.quiet) io.err(`metrics at ${sinks.metricsUrl}\n`);
  const startedAt = new Date();
  const controller = new AbortController();
  // Once measured, the report files are written whole: a Ctrl-C then (a double Ctrl-C's second
  // press, say) does not cut them short; one more exits without them.
  let writing = false;
  const removeInterrupt = io.onInterrupt((press) => {
    if (writing) {
      if (press <= 2) io.err('writing the report files; nearly done (Ctrl-C again to exit without them)\n');
      return press <= 2;
    }
    if (press > 1) return false;
    // On a terminal the live status line (and the ^C the terminal echoed onto it) is cleared first.
    io.err(`${io.stderrIsTTY ? '\r\u001b[2K' : '\n'}interrupted: finishing the report (Ctrl-C again to exit now)\n`);
    controller.abort();
    return false;
  });
  try {
    let result: RampResult | FixedResult;
    try {
      result =
        config.mode === 'fixed'
          ? await fixedRun(config, way, dialed, controller.signal, io, text, sinks.onObservation)
          : await rampRun(config, way, controller.signal, io, text, check.warnings, sinks.onObservation);
      writing = true;
    } finally {
      await sinks.close();
    }
    // Interrupted while waiting for --start-at: nothing was measured. A record of nothing would
    // overwrite an earlier good file, and merge would have to skip it: none is written.
    if (result.mode === 'ramp' && result.rounds.length === 0 && result.stopReason === 'interrupted') {
      last('interrupted before the first round: nothing was measured, so no record or report file was written\n');
      last(`${resultLine(result, result.exitCode)}\n`);
      return result.exitCode;
    }
    const record = buildRunRecord({
      version: context.version,
      argv: context.argv,
      startedAt,
      endedAt: new Date(),
      config,
      environment,
      result,
      preflight: check,
      way: { workers, sourceAddresses: sources, destinations: endpoints.map(formatEndpoint) },
      host: hostname(),
    });
    const problems = await writeRecordOutputs(record, config, io);
    for (const problem of problems) io.err(`goon-probe: ${problem}\n`);
    const exitCode = problems.length > 0 && result.exitCode === 0 ? 1 : result.exitCode;
    last(`${resultLine(result, exitCode)}\n`);
    return exitCode;
  } finally {
    removeInterrupt();
  }
}

async function rampRun(
  config: ProbeConfig,
  way: RampWay,
  signal: AbortSignal,
  io: CliIO,
  text: (s: string) => void,
  preflightWarnings: readonly string[],
  onObservation: (obs: FleetObservation) => void,
): Promise<RampResult> {
  const startAtIso = config.startAtMs === undefined ? undefined : new Date(config.startAtMs).toISOString();
  const progress = progressPrinter(io, {
    quiet: config.quiet,
    intervalMs: config.intervalMs,
    roundMs: config.ramp?.roundMs ?? 1000,
    startAtIso,
  });
  // Waiting for a shared --start-at: say until when; on a terminal, the live line counts down.
  if (config.startAtMs !== undefined && config.startAtMs > Date.now() && !config.quiet && !progress.onWaiting)
    io.err(
      `waiting until ${startAtIso} (in ${formatDuration(config.startAtMs - Date.now())}) for the shared start (--start-at)\n`,
    );
  const measured = await runRampProbe(config, way, {
    signal,
    // --start-at is wall-clock time; the loop runs on the monotonic clock: convert once, here.
    ...(config.startAtMs === undefined ? {} : { startAtMs: systemClock.now() + (config.startAtMs - Date.now()) }),
    onObservation,
    onRound: progress.onRound,
    onSearchStep: progress.onSearchStep,
    ...(progress.onWaiting ? { onWaiting: progress.onWaiting } : {}),
    ...(progress.onProgress ? { onProgress: progress.onProgress, progressEveryMs: 250 } : {}),
  });
  progress.done();
  const result = { ...measured, warnings: [...preflightWarnings, ...measured.warnings] };
  text(renderRampReport(result, { width: io.columns, color: io.stdoutIsTTY && !stdoutTaken(config) }));
  return result;
}

async function fixedRun(
  config: ProbeConfig,
  way: RampWay,
  dialed: string,
  signal: AbortSignal,
  io: CliIO,
  text: (s: string) => void,
  onObservation: (obs: FleetObservation) => void,
): Promise<FixedResult> {
  const fleet = await startFleet(config, way.routes, way.workers, way.shardV8Flags);
  try {
    const result = await runFixed(config, {
      fleet,
      clock: systemClock,
      signal,
      dialed,
      onObservation,
      onStatus: (status, interval) => {
        text(`${formatStatusLine(status)}\n`);
        if (interval && interval.bytesSent + interval.bytesReceived > 0) text(`Traffic: ${formatTraffic(interval)}\n`);
      },
    });
    if (config.debug)
      io.err(`debug: final ${JSON.stringify(fixedStatus(config.connections, await fleet.observe()))}\n`);
    text(renderFixedReport(result));
    return result;
  } finally {
    await fleet.stop();
  }
}

async function confirmed(config: ProbeConfig, endpoints: readonly Endpoint[], io: CliIO): Promise<boolean> {
  const remote = endpoints.find((endpoint) => !isLoopback(endpoint.host));
  const statsd = config.statsd && !isLoopbackName(config.statsd.host) ? config.statsd.host : null;
  if (config.assumeYes) return true;
  // Each destination outside loopback is asked about on its own: the target, then the metrics.
  if (
    remote &&
    !(await confirmOutside(
      `${config.target.display} (${formatEndpoint(remote)}) is not a loopback address`,
      'Open connections to it',
      io,
    ))
  )
    return false;
  if (statsd && !(await confirmOutside(`--statsd-host ${statsd} is not a loopback address`, 'Send metrics to it', io)))
    return false;
  return true;
}
