import type { CliIO } from '../../src/cli/cliIO.js';

/** A CliIO that records what a command writes, with no terminal; `interrupt()` plays Ctrl-C. */
export interface RecordingIO extends CliIO {
  readonly stdout: () => string;
  readonly stderr: () => string;
  interrupt(): void;
  /** Calls `listener` after every write (to wait for a line). */
  onWrite(listener: () => void): void;
}

/** Returns a recording CliIO with the given environment (GITHUB_STEP_SUMMARY unset unless given). */
export function recordingIO(env: Record<string, string> = {}): RecordingIO {
  let out = '';
  let err = '';
  const handlers = new Set<Parameters<CliIO['onInterrupt']>[0]>();
  let presses = 0;
  const listeners: Array<() => void> = [];
  const wrote = (): void => {
    for (const listener of listeners) listener();
  };
  return {
    out: (text) => {
      out += text;
      wrote();
    },
    err: (text) => {
      err += text;
      wrote();
    },
    stdout: () => out,
    stderr: () => err,
    stdoutIsTTY: false,
    stderrIsTTY: false,
    stdinIsTTY: false,
    columns: 100,
    env,
    confirm: async () => false,
    onInterrupt(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    interrupt() {
      presses++;
      for (const handler of [...handlers]) handler(presses);
    },
    onWrite(listener) {
      listeners.push(listener);
    },
  };
}
