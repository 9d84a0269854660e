import { readFileSync } from 'node:fs';
import type { CliIO } from '../cliIO.js';
import { systemClock } from '../clock.js';
import { buildProbeConfig, type ProbeConfig, type RawOptions } from '../config.js';
import { fixedStatus, runFixed } from '../fixedProbe.js';
import { isLoopback } from '../net/loopback.js';
import { formatEndpoint, resolveTarget, type Endpoint } from '../net/resolve.js';
import { makeFleet, runRampProbe } from '../runRampProbe.js';
import { renderFixedReport } from '../report/fixedText.js';
import { renderRampReport } from '../report/rampText.js';
import { formatRoundLine } from '../report/roundLine.js';
import { formatStatusLine } from '../report/statusLine.js';
import type { RampResult } from '../result.js';
import { UsageError } from '../usageError.js';

/** Runs the probe command (fixed or ramp mode) and returns its exit code. */
export async function probeCommand(positionals: readonly string[], raw: RawOptions, io: CliIO): Promise<number> {
  const config = buildProbeConfig(raw, positionals, (path) => readFileSync(path));
  const endpoint = await resolveTarget(config.target);
  const dialed = formatEndpoint(endpoint);
  if (!(await confirmed(config, endpoint, io))) return 1;
  if (config.debug) io.err(`debug: ${config.mode} mode, ${config.target.display} resolved to ${dialed}\n`);
  const controller = new AbortController();
  const removeInterrupt = io.onInterrupt(() => {
    io.err('\ninterrupted: finishing the report (Ctrl-C again to exit now)\n');
    controller.abort();
  });
  try {
    if (config.mode === 'fixed') return await fixedRun(config, endpoint, dialed, controller.signal, io);
    const result = await runRampProbe(config, endpoint, {
      signal: controller.signal,
      onRound: (round) => io.err(`${formatRoundLine(round)}\n`),
    });
    io.out(renderRampReport(result, { width: io.columns, color: io.stdoutIsTTY }));
    io.out(`${resultLine(result)}\n`);
    return result.exitCode;
  } finally {
    removeInterrupt();
  }
}

async function fixedRun(config: ProbeConfig, endpoint: Endpoint, dialed: string, signal: AbortSignal, io: CliIO): Promise<number> {
  const fleet = makeFleet(config, endpoint);
  try {
    const result = await runFixed(config, {
      fleet, clock: systemClock, signal, dialed,
      onStatus: (status) => io.out(`${formatStatusLine(status)}\n`),
    });
    if (config.debug) io.err(`debug: final ${JSON.stringify(fixedStatus(config.connections, fleet.observe()))}\n`);
    io.out(renderFixedReport(result));
    return result.exitCode;
  } finally {
    await fleet.stop();
  }
}

/** Returns the last line of a ramp run: the number, the verdict and the exit code. */
export function resultLine(result: RampResult): string {
  return `Result: maximum sustainable concurrency ${result.maximum}, verdict ${result.verdict}, exit ${result.exitCode}`;
}

async function confirmed(config: ProbeConfig, endpoint: Endpoint, io: CliIO): Promise<boolean> {
  if (isLoopback(endpoint.host) || config.assumeYes) return true;
  const what = `${config.target.display} (${formatEndpoint(endpoint)}) is not a loopback address`;
  if (!io.stdinIsTTY) throw new UsageError(`${what}; refusing without confirmation, pass -y/--assume-yes to probe it`);
  const yes = await io.confirm(`${what}. Open connections to it? [y/N] `);
  if (!yes) io.err('not confirmed; nothing was sent\n');
  return yes;
}
