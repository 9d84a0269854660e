import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import cac from 'cac';
import {
  markValues,
  unmark,
  unmarkValues,
  DEMO_OPTIONS,
  PROBE_OPTIONS,
  REPORT_OPTIONS,
  SERVE_OPTIONS,
  type OptionSpec,
} from './cliOptions.js';
import type { CliIO } from './cliIO.js';
import { demoCommand } from './demoCommand.js';
import { doctorCommand } from './doctorCommand.js';
import { probeCommand } from './probeCommand.js';
import { reportCommand } from './reportCommand.js';
import { serveCommand } from './serveCommand.js';
import { UsageError } from '../usageError.js';

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** Runs goon-probe with the arguments after the program name; returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const specs = { serve: SERVE_OPTIONS, demo: DEMO_OPTIONS, report: REPORT_OPTIONS, doctor: [], probe: PROBE_OPTIONS }[
    argv[0] === 'serve' || argv[0] === 'demo' || argv[0] === 'report' || argv[0] === 'doctor' ? argv[0] : 'probe'
  ];
  const cli = cac('goon-probe');
  let action: Promise<number> | null = null;
  const addOptions = (cmd: ReturnType<typeof cli.command>, list: readonly OptionSpec[]) => {
    for (const spec of list) cmd.option(spec.flags, spec.description);
    return cmd;
  };
  addOptions(
    cli.command('[...target]', 'Probe host:port (fixed mode with -c, capacity probe with --ramp)'),
    PROBE_OPTIONS,
  )
    .example('goon-probe 127.0.0.1:6379 --ramp 100/s --max-duration 60s')
    .example('goon-probe example.com 80 -c 500 -s 0 -y')
    .action((target: string[], options: Record<string, unknown>) => {
      action = probeCommand(target.map(unmark), unmarkValues(options), io, { argv, version: VERSION });
    });
  addOptions(
    cli.command('serve [...extra]', 'Run a built-in target server (loopback unless --host)'),
    SERVE_OPTIONS,
  ).action((extra: string[], options: Record<string, unknown>) => {
    action = serveCommand(extra.map(unmark), unmarkValues(options), io);
  });
  addOptions(cli.command('demo', 'Probe an embedded target with a known limit'), DEMO_OPTIONS).action(
    (options: Record<string, unknown>) => {
      action = demoCommand(unmarkValues(options), io);
    },
  );
  addOptions(
    cli.command('report <record>', 'Render a saved --json run record again, without a network'),
    REPORT_OPTIONS,
  )
    .example('goon-probe report run.json --format markdown')
    .action((record: string, options: Record<string, unknown>) => {
      action = reportCommand([unmark(record)], unmarkValues(options), io);
    });
  cli
    .command('doctor [...target]', 'Check what this machine can hold as a prober (no traffic sent)')
    .example('goon-probe doctor 127.0.0.1:6379')
    .action((target: string[], options: Record<string, unknown>) => {
      action = doctorCommand(target.map(unmark), unmarkValues(options), io);
    });
  cli.help();
  cli.version(VERSION);
  try {
    const parsed = cli.parse(['node', 'goon-probe', ...markValues(argv, specs)], { run: false });
    if (parsed.options.help || parsed.options.version) return 0;
    await cli.runMatchedCommand();
    if (!action) throw new UsageError('no command matched; see goon-probe --help');
    return await action;
  } catch (err) {
    io.err(`goon-probe: ${describe(err)}\n`);
    return 1;
  }
}

function describe(err: unknown): string {
  if (err instanceof UsageError) return err.message;
  const message = (err as Error)?.message ?? String(err);
  if ((err as Error)?.name === 'CACError') {
    const unknown = /^Unknown option `(.+)`$/.exec(message);
    if (unknown) return `unknown option ${unknown[1]}; see goon-probe --help for the options`;
    return `${message.replace(/\.$/, '')}; see goon-probe --help`;
  }
  return `unexpected error: ${message}; rerun with -d and report it`;
}

/** The signals that stop a run and keep its report: Ctrl-C, kill, and a closed terminal or ssh session. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Returns the CliIO of this process: its stdout, stderr, terminal and signals. A write to a
 * terminal that has gone away (EIO, EPIPE) is dropped, not thrown, so that the files still get written.
 */
export function processIO(): CliIO {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    stdinIsTTY: process.stdin.isTTY === true,
    columns: process.stdout.columns ?? process.stderr.columns ?? 100,
    env: process.env,
    async confirm(question) {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return /^y(es)?$/i.test((await rl.question(question)).trim());
      } finally {
        rl.close();
      }
    },
    onInterrupt(handler) {
      let count = 0;
      const listener = (): void => {
        count++;
        if (count === 1) handler();
        else process.exit(130);
      };
      // A closed terminal (SIGHUP) stops the run like Ctrl-C: the report and the files are still written.
      for (const signal of STOP_SIGNALS) process.on(signal, listener);
      return () => {
        for (const signal of STOP_SIGNALS) process.off(signal, listener);
      };
    },
  };
}
