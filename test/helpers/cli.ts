import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../src/bin.ts', import.meta.url));

/** What a finished CLI run printed and returned. */
export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A CLI run in progress. */
export interface RunningCli {
  readonly child: ChildProcess;
  /** Returns what it has printed so far, stdout then stderr. */
  output(): string;
  /** Resolves once stderr or stdout contains the text. */
  waitFor(text: string | RegExp): Promise<void>;
  readonly done: Promise<CliRun>;
}

/** How to start the CLI: extra environment, and an open-file limit (through `sh -c 'ulimit -n N'`). */
export interface CliOptions {
  readonly env?: Record<string, string>;
  readonly fdLimit?: number;
}

/** Spawns the real CLI (from source, through tsx) with no TTY. */
export function startCli(args: readonly string[], options: CliOptions = {}): RunningCli {
  const node = [process.execPath, '--import', 'tsx', BIN, ...args];
  const [command, ...argv] = options.fdLimit === undefined ? node : ['/bin/sh', '-c', `ulimit -n ${options.fdLimit} && exec "$@"`, 'sh', ...node];
  const child = spawn(command as string, argv, {
    stdio: ['ignore', 'pipe', 'pipe'],
    // A CI's own step summary is never written by the tests' runs unless a test asks.
    env: { ...process.env, GITHUB_STEP_SUMMARY: '', ...options.env },
  });
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ test: string | RegExp; resolve: () => void }> = [];
  const check = (): void => {
    for (const w of [...waiters]) {
      const all = stdout + stderr;
      if (typeof w.test === 'string' ? all.includes(w.test) : w.test.test(all)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout?.on('data', (d: Buffer) => ((stdout += d.toString()), check()));
  child.stderr?.on('data', (d: Buffer) => ((stderr += d.toString()), check()));
  const done = new Promise<CliRun>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    child,
    done,
    output: () => stdout + stderr,
    waitFor: (test) =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ test, resolve });
        check();
        void done.then(() => reject(new Error(`CLI exited before printing ${String(test)}:\n${stdout}\n${stderr}`)));
      }),
  };
}

/** Runs the CLI to the end. */
export function runCliProcess(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  return startCli(args, options).done;
}
