import { readFileSync } from 'node:fs';
import type { CliIO } from '../cliIO.js';
import { systemClock } from '../clock.js';
import { buildProbeConfig, type ProbeConfig, type RawOptions } from '../config.js';
import { readEnvironment } from '../environment.js';
import { preflight, runReach } from '../preflight.js';
import { fixedStatus, runFixed } from '../fixedProbe.js';
import { isLoopback } from '../net/loopback.js';
import { formatEndpoint, resolveTarget, type Endpoint } from '../net/resolve.js';
import { resultLine } from '../report/explain.js';
import { renderFixedReport } from '../report/fixedText.js';
import { renderRampReport } from '../report/rampText.js';
import { formatStatusLine } from '../report/statusLine.js';
import type { FixedResult, RampResult } from '../result.js';
import { buildRunRecord } from '../runRecord.js';
import { makeFleet, runRampProbe } from '../runRampProbe.js';
import { UsageError } from '../usageError.js';
import { progressPrinter } from './progressPrinter.js';
import { checkOutputPaths, stdoutTaken, writeRecordOutputs } from './recordOutputs.js';

/** What the probe command needs besides its options: the raw argv (for the record) and the version. */
export interface ProbeContext {
  readonly argv: readonly string[];
  readonly version: string;
}

/** Runs the probe command (fixed or ramp mode), writes every requested output, and returns the exit code. */
export async function probeCommand(positionals: readonly string[], raw: RawOptions, io: CliIO, context: ProbeContext): Promise<number> {
  const config = buildProbeConfig(raw, positionals, (path) => readFileSync(path));
  checkOutputPaths(config);
  const endpoint = await resolveTarget(config.target);
  const dialed = formatEndpoint(endpoint);
  if (!(await confirmed(config, endpoint, io))) return 1;
  if (config.debug) io.err(`debug: ${config.mode} mode, ${config.target.display} resolved to ${dialed}\n`);
  // With --json - or --markdown -, stdout carries only that document; the text goes to stderr.
  const text = config.quiet ? () => {} : stdoutTaken(config) ? io.err : io.out;
  const last = stdoutTaken(config) ? io.err : io.out;
  const environment = readEnvironment();
  const check = preflight(environment, { reach: runReach(config), destinations: 1, sources: 1 });
  if (!config.quiet) for (const warning of check.warnings) io.err(`warning: ${warning}\n`);
  const startedAt = new Date();
  const controller = new AbortController();
  const removeInterrupt = io.onInterrupt(() => {
    io.err('\ninterrupted: finishing the report (Ctrl-C again to exit now)\n');
    controller.abort();
  });
  let result: RampResult | FixedResult;
  try {
    result = config.mode === 'fixed'
      ? await fixedRun(config, endpoint, dialed, controller.signal, io, text)
      : await rampRun(config, endpoint, controller.signal, io, text, check.warnings);
  } finally {
    removeInterrupt();
  }
  const record = buildRunRecord({
    version: context.version, argv: context.argv, startedAt, endedAt: new Date(), config, environment, result,
    preflight: check,
  });
  const problems = writeRecordOutputs(record, config, io);
  for (const problem of problems) io.err(`goon-probe: ${problem}\n`);
  last(`${resultLine(result)}\n`);
  return problems.length > 0 && result.exitCode === 0 ? 1 : result.exitCode;
}

async function rampRun(config: ProbeConfig, endpoint: Endpoint, signal: AbortSignal, io: CliIO, text: (s: string) => void, preflightWarnings: readonly string[]): Promise<RampResult> {
  const progress = progressPrinter(io, { quiet: config.quiet, intervalMs: config.intervalMs });
  const measured = await runRampProbe(config, endpoint, {
    signal,
    onRound: progress.onRound,
    ...(progress.onProgress ? { onProgress: progress.onProgress, progressEveryMs: 250 } : {}),
  });
  progress.done();
  const result = { ...measured, warnings: [...preflightWarnings, ...measured.warnings] };
  text(renderRampReport(result, { width: io.columns, color: io.stdoutIsTTY && !stdoutTaken(config) }));
  return result;
}

async function fixedRun(config: ProbeConfig, endpoint: Endpoint, dialed: string, signal: AbortSignal, io: CliIO, text: (s: string) => void): Promise<FixedResult> {
  const fleet = makeFleet(config, endpoint);
  try {
    const result = await runFixed(config, {
      fleet, clock: systemClock, signal, dialed,
      onStatus: (status) => text(`${formatStatusLine(status)}\n`),
    });
    if (config.debug) io.err(`debug: final ${JSON.stringify(fixedStatus(config.connections, fleet.observe()))}\n`);
    text(renderFixedReport(result));
    return result;
  } finally {
    await fleet.stop();
  }
}

async function confirmed(config: ProbeConfig, endpoint: Endpoint, io: CliIO): Promise<boolean> {
  if (isLoopback(endpoint.host) || config.assumeYes) return true;
  const what = `${config.target.display} (${formatEndpoint(endpoint)}) is not a loopback address`;
  if (!io.stdinIsTTY) throw new UsageError(`${what}; refusing without confirmation, pass -y/--assume-yes to probe it`);
  const yes = await io.confirm(`${what}. Open connections to it? [y/N] `);
  if (!yes) io.err('not confirmed; nothing was sent\n');
  return yes;
}
