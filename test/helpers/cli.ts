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

/** Spawns the real CLI (from source, through tsx) with no TTY. */
export function startCli(args: readonly string[], env: Record<string, string> = {}): RunningCli {
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
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
export function runCliProcess(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  return startCli(args, env).done;
}
