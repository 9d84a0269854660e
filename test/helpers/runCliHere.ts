import { runCli } from '../../src/cli/runCli.js';
import { recordingIO } from './recordingIO.js';

/** What a finished in-process CLI run printed and returned. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A CLI run in progress in this process. */
export interface CliHere {
  /** Resolves once stdout or stderr contains the text; rejects if the run ends first. */
  waitFor(text: string | RegExp): Promise<void>;
  /** Returns what it has printed so far, stdout then stderr. */
  output(): string;
  /** Plays Ctrl-C (the first one: stop and report). */
  interrupt(): void;
  readonly done: Promise<CliResult>;
}

/** Starts `goon-probe args` in this process through runCli and a recording IO (no TTY; environment `env` only). */
export function startCliHere(args: readonly string[], env: Record<string, string> = {}): CliHere {
  const io = recordingIO(env);
  const done = runCli(args, io).then((code) => ({ code, stdout: io.stdout(), stderr: io.stderr() }));
  const seen = (test: string | RegExp): boolean => {
    const all = io.stdout() + io.stderr();
    return typeof test === 'string' ? all.includes(test) : test.test(all);
  };
  return {
    done,
    output: () => io.stdout() + io.stderr(),
    interrupt: () => io.interrupt(),
    waitFor: (test) =>
      new Promise<void>((resolve, reject) => {
        if (seen(test)) return resolve();
        io.onWrite(() => seen(test) && resolve());
        void done.then((r) =>
          reject(new Error(`the run ended before printing ${String(test)}:\n${r.stdout}\n${r.stderr}`)),
        );
      }),
  };
}

/** Runs `goon-probe args` in this process to the end. */
export function runCliHere(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return startCliHere(args, env).done;
}
