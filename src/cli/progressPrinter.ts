import type { CliIO } from './cliIO.js';
import type { RampProgress, RoundRecord } from '../probe/result.js';
import { formatProgressLine } from '../report/progressLine.js';
import { formatRoundLine } from '../report/roundLine.js';

/** How a ramp's progress reaches stderr. */
export interface ProgressPrinter {
  readonly onRound: (round: RoundRecord) => void;
  readonly onProgress?: (progress: RampProgress) => void;
  /** Clears the live line, if any, before the report. */
  done(): void;
}

const CLEAR_LINE = '\r\u001b[2K';

/**
 * Returns the progress printer of a ramp: on a TTY one live line rewritten in place (failed rounds
 * stay above it); otherwise plain round lines at most every `intervalMs`, failed rounds always;
 * with `quiet`, nothing.
 */
export function progressPrinter(io: CliIO, options: { quiet: boolean; intervalMs: number }): ProgressPrinter {
  if (options.quiet) return { onRound: () => {}, done: () => {} };
  if (io.stderrIsTTY) {
    let live = false;
    const show = (line: string): void => {
      io.err(`${CLEAR_LINE}${line.slice(0, Math.max(20, io.columns - 1))}`);
      live = true;
    };
    return {
      onProgress: (p) => show(formatProgressLine(p)),
      onRound: (round) => {
        if (round.failed) io.err(`${CLEAR_LINE}${formatRoundLine(round)}\n`);
        show(formatRoundLine(round));
      },
      done: () => {
        if (live) io.err(CLEAR_LINE);
      },
    };
  }
  let printedAtMs = Number.NEGATIVE_INFINITY;
  return {
    onRound: (round) => {
      // Rounds end a few ms late, so allow a little slack when the interval equals the round.
      if (!round.failed && round.atMs - printedAtMs < options.intervalMs * 0.9) return;
      printedAtMs = round.atMs;
      io.err(`${formatRoundLine(round)}\n`);
    },
    done: () => {},
  };
}
