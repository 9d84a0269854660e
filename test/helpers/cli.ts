import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoPath } from './repoPath.js';

export const BIN = repoPath('src', 'bin.ts');
const ROOT = repoPath();
const BUILT_BIN = join(ROOT, 'dist', 'bin.js');

/** Returns the newest modification time of the files under a folder. */
function newestMs(dir: string): number {
  return Math.max(
    0,
    ...readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => statSync(join(e.parentPath, e.name)).mtimeMs),
  );
}

/**
 * Returns this process's environment without NODE_V8_COVERAGE: c8 measures src/, so a process
 * that runs dist/ (or npm) would only spend time writing coverage nobody reads.
 */
export function withoutCoverage(): NodeJS.ProcessEnv {
  const { NODE_V8_COVERAGE: _coverage, ...env } = process.env;
  return env;
}

/** Builds dist/ (as npm run build does) when it is missing or older than src/; returns the built bin. */
export function builtBin(): string {
  const built = statSync(BUILT_BIN, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  if (built < newestMs(join(ROOT, 'src'))) {
    execFileSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')],
      { stdio: 'inherit' },
    );
    cpSync(join(ROOT, 'src', 'record', 'runRecord.schema.json'), join(ROOT, 'dist', 'record', 'runRecord.schema.json'));
  }
  return BUILT_BIN;
}

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
  /** Written to its stdin, which is then closed; without it, stdin is closed at once. */
  readonly input?: string;
  /**
   * Run the source through tsx instead of the built bin. The built bin (dist/, built first when
   * stale) is the default: the process as installed, and a third of the start-up work.
   */
  readonly fromSource?: boolean;
}

/** Spawns the real CLI (the built bin, or the source through tsx) with no TTY. */
export function startCli(args: readonly string[], options: CliOptions = {}): RunningCli {
  const node = options.fromSource
    ? [process.execPath, '--import', 'tsx', BIN, ...args]
    : [process.execPath, builtBin(), ...args];
  const [command, ...argv] =
    options.fdLimit === undefined
      ? node
      : ['/bin/sh', '-c', `ulimit -n ${options.fdLimit} && exec "$@"`, 'sh', ...node];
  const child = spawn(command as string, argv, {
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    // A CI's own step summary is never written by the tests' runs unless a test asks.
    env: { ...(options.fromSource ? process.env : withoutCoverage()), GITHUB_STEP_SUMMARY: '', ...options.env },
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
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
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
    check();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    check();
  });
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
