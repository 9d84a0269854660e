import type { CliIO } from './cliIO.js';
import { measure } from '../api/measure.js';
import type { ProbeConfig } from '../config/probeConfig.js';
import { resultLine } from '../report/explain.js';
import { renderFixedReport } from '../report/fixedText.js';
import { renderRampReport } from '../report/rampText.js';
import { formatStatusLine } from '../report/statusLine.js';
import { formatTraffic } from '../report/trafficText.js';
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

/**
 * Runs a probe from a valid config (fixed or ramp mode) through `measure`, the library's own run,
 * and does the CLI's part: asks before leaving loopback, prints progress and the report, traps
 * Ctrl-C, writes every requested output, and returns the exit code.
 */
export async function runProbe(config: ProbeConfig, io: CliIO, context: ProbeContext): Promise<number> {
  checkOutputPaths(config, io.env);
  // With --json - or --markdown -, stdout carries only that document; the text goes to stderr.
  const text = config.quiet ? () => {} : stdoutTaken(config) ? io.err : io.out;
  const last = stdoutTaken(config) ? io.err : io.out;
  const startAtIso = config.startAtMs === undefined ? undefined : new Date(config.startAtMs).toISOString();
  const progress = progressPrinter(io, {
    quiet: config.quiet || config.mode === 'fixed',
    intervalMs: config.intervalMs,
    roundMs: config.ramp?.roundMs ?? 1000,
    startAtIso,
  });
  const sinks = await startMetricsSinks(config, (message) => io.err(`warning: ${message}\n`));
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
    const shardV8Flags = io.env.GOON_PROBE_SHARD_V8?.split(' ').filter(Boolean);
    let measured: Awaited<ReturnType<typeof measure>>;
    try {
      measured = await measure(config, {
        signal: controller.signal,
        version: context.version,
        argv: context.argv,
        ...(shardV8Flags ? { shardV8Flags } : {}),
        confirmOutside: (q) => confirmOutside(q.what, q.action, io),
        ...(config.debug ? { onDebug: (line: string) => io.err(`debug: ${line}\n`) } : {}),
        onStart: (start) => {
          if (!config.quiet) for (const warning of start.warnings) io.err(`warning: ${warning}\n`);
          if (!config.quiet)
            io.err(`engine: ${start.engine.engine === 'native' ? 'native' : 'TypeScript'} (${start.engine.why})\n`);
          if (sinks.metricsUrl && !config.quiet) io.err(`metrics at ${sinks.metricsUrl}\n`);
          // Waiting for a shared --start-at: say until when; on a terminal, the live line counts down.
          if (config.startAtMs !== undefined && config.startAtMs > Date.now() && !config.quiet && !progress.onWaiting)
            io.err(
              `waiting until ${startAtIso} (in ${formatDuration(config.startAtMs - Date.now())}) for the shared start (--start-at)\n`,
            );
        },
        onObservation: sinks.onObservation,
        ramp: {
          onRound: progress.onRound,
          onSearchStep: progress.onSearchStep,
          ...(progress.onWaiting ? { onWaiting: progress.onWaiting } : {}),
          ...(progress.onProgress ? { onProgress: progress.onProgress, progressEveryMs: 250 } : {}),
        },
        onStatus: (status, interval) => {
          text(`${formatStatusLine(status)}\n`);
          if (interval && interval.bytesSent + interval.bytesReceived > 0)
            text(`Traffic: ${formatTraffic(interval)}\n`);
        },
      });
      progress.done();
      writing = true;
    } finally {
      await sinks.close();
    }
    if (measured.kind === 'declined') return 1;
    if (measured.kind === 'refused') {
      io.err(`goon-probe: ${measured.problem}\n`);
      return measured.exitCode;
    }
    // Interrupted while waiting for --start-at: nothing was measured. A record of nothing would
    // overwrite an earlier good file, and merge would have to skip it: none is written.
    if (measured.kind === 'nothing') {
      last('interrupted before the first round: nothing was measured, so no record or report file was written\n');
      last(`${resultLine(measured.result, measured.result.exitCode)}\n`);
      return measured.result.exitCode;
    }
    const { result, record } = measured;
    text(
      result.mode === 'ramp'
        ? renderRampReport(result, { width: io.columns, color: io.stdoutIsTTY && !stdoutTaken(config) })
        : renderFixedReport(result),
    );
    const problems = await writeRecordOutputs(record, config, io);
    for (const problem of problems) io.err(`goon-probe: ${problem}\n`);
    const exitCode = problems.length > 0 && result.exitCode === 0 ? 1 : result.exitCode;
    last(`${resultLine(result, exitCode)}\n`);
    return exitCode;
  } finally {
    removeInterrupt();
  }
}
