import type { CliIO } from './cliIO.js';
import type { RampProgress, RoundRecord } from '../probe/result.js';
import { formatProgressLine, formatWaitingLine } from '../report/progressLine.js';
import { formatRoundLine, formatSearchLine } from '../report/roundLine.js';
import type { SearchStep } from '../probe/objectiveSearch.js';

/** How a ramp's progress reaches stderr. */
export interface ProgressPrinter {
  readonly onRound: (round: RoundRecord) => void;
  readonly onProgress?: (progress: RampProgress) => void;
  /** On a TTY: the countdown to a shared --start-at, rewritten in place. */
  readonly onWaiting?: (msLeft: number) => void;
  /** Each level an --slo search measured: always a line of its own. */
  readonly onSearchStep: (step: SearchStep) => void;
  /** Clears the live line, if any, before the report. */
  done(): void;
}

const CLEAR_LINE = '\r\u001b[2K';

/**
 * Returns the progress printer of a ramp: on a TTY one live line rewritten in place (failed rounds
 * stay above it); otherwise plain round lines at most every `intervalMs` of the ramp's schedule,
 * failed rounds always; with `quiet`, nothing. Rounds are spaced by their scheduled length
 * (`roundMs`), not by when they happened to end, so the lines printed do not depend on how busy
 * the machine is.
 */
export function progressPrinter(
  io: CliIO,
  options: { quiet: boolean; intervalMs: number; roundMs: number; startAtIso?: string | undefined },
): ProgressPrinter {
  if (options.quiet) return { onRound: () => {}, onSearchStep: () => {}, done: () => {} };
  if (io.stderrIsTTY) {
    let live = false;
    // The live line fits the terminal: the in-between counts give way before the failures do.
    const width = Math.max(20, io.columns - 1);
    const show = (line: string): void => {
      io.err(`${CLEAR_LINE}${line}`);
      live = true;
    };
    return {
      onProgress: (p) => show(formatProgressLine(p, width)),
      ...(options.startAtIso === undefined
        ? {}
        : { onWaiting: (msLeft: number) => show(formatWaitingLine(options.startAtIso as string, msLeft, width)) }),
      onSearchStep: (step) => {
        io.err(`${CLEAR_LINE}${formatSearchLine(step)}\n`);
        live = false;
      },
      onRound: (round) => {
        if (round.failed) io.err(`${CLEAR_LINE}${formatRoundLine(round)}\n`);
        show(formatRoundLine(round, width));
      },
      done: () => {
        if (live) io.err(CLEAR_LINE);
      },
    };
  }
  let printedRound = Number.NEGATIVE_INFINITY;
  return {
    onRound: (round) => {
      if (!round.failed && (round.round - printedRound) * options.roundMs < options.intervalMs) return;
      printedRound = round.round;
      io.err(`${formatRoundLine(round)}\n`);
    },
    onSearchStep: (step) => io.err(`${formatSearchLine(step)}\n`),
    done: () => {},
  };
}
