import { createInterface } from 'node:readline/promises';
import cac from 'cac';
import { markValues, unmark, unmarkValues } from './cliOptions.js';
import {
  DEMO_OPTIONS,
  MERGE_OPTIONS,
  K8S_OPTIONS,
  PROBE_OPTIONS,
  REPORT_OPTIONS,
  SERVE_OPTIONS,
  describeOption,
  type OptionSpec,
} from '../config/optionSpecs.js';
import type { CliIO } from './cliIO.js';
import { closestOption, EXIT_CODES, optionsHelp, PROBE_GROUPS, unknownOption } from './helpText.js';
import { loadFailureLine } from '../loadFailure.js';
import { packageVersion } from '../api/packageVersion.js';
import { UsageError } from '../usageError.js';

const VERSION = packageVersion();

/** Thrown by the help callback once the help is written, to keep cac from printing it again. */
const HELP_SHOWN = Symbol('help shown');

/** Runs goon-probe with the arguments after the program name; returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const commands = ['serve', 'demo', 'report', 'merge', 'doctor', 'k8s'] as const;
  const named = commands.find((c) => c === argv[0]);
  const specs = {
    serve: SERVE_OPTIONS,
    demo: DEMO_OPTIONS,
    report: REPORT_OPTIONS,
    merge: MERGE_OPTIONS,
    doctor: [],
    k8s: K8S_OPTIONS,
    probe: PROBE_OPTIONS,
  }[named ?? 'probe'];
  const cli = cac('goon-probe');
  let action: Promise<number> | null = null;
  const addOptions = (cmd: ReturnType<typeof cli.command>, list: readonly OptionSpec[]) => {
    for (const spec of list) cmd.option(spec.flags, describeOption(spec));
    return cmd;
  };
  addOptions(
    cli.command(
      '[...target]',
      'Probe host:port, or a server by URL (redis://, postgres://, mysql://, https://, …) (fixed mode with -c, capacity probe with --ramp)',
    ),
    PROBE_OPTIONS,
  )
    .example('goon-probe redis://127.0.0.1:6379 --ramp 200/s --max-duration 60s')
    .example('goon-probe postgres://probe@127.0.0.1:5432/app --ramp 100/s --heartbeat 1s')
    .example('goon-probe 127.0.0.1:6379 --ramp 100/s --max-duration 60s')
    .example('goon-probe 127.0.0.1 6379 -c 500 -s 0')
    .example("goon-probe 127.0.0.1:6379 --ramp 200/s --send 'PING\\r\\n' --expect +PONG --min-concurrency 1000")
    .action((target: string[], options: Record<string, unknown>) => {
      // Each command is loaded when it runs: --help, --version and a usage error load none of them.
      action = import('./probeCommand.js').then((m) =>
        m.probeCommand(target.map(unmark), unmarkValues(options), io, { argv, version: VERSION }),
      );
    });
  addOptions(cli.command('serve [...extra]', 'Run a built-in target server (loopback unless --host)'), SERVE_OPTIONS)
    .example('goon-probe serve --max-connections 1000 --over-limit error-close')
    .action((extra: string[], options: Record<string, unknown>) => {
      action = import('./serveCommand.js').then((m) => m.serveCommand(extra.map(unmark), unmarkValues(options), io));
    });
  addOptions(cli.command('demo', 'Probe an embedded target with a known limit'), DEMO_OPTIONS)
    .example('goon-probe demo --limit 500 --over-limit queue')
    .action((options: Record<string, unknown>) => {
      action = import('./demoCommand.js').then((m) => m.demoCommand(unmarkValues(options), io));
    });
  addOptions(
    cli.command(
      'report <record> [...more]',
      'Render a saved --json run record again (text, Markdown, HTML), or two side by side with --compare',
    ),
    REPORT_OPTIONS,
  )
    .example('goon-probe report run.json --format html > run.html')
    .example('goon-probe report before.json after.json --compare --format markdown')
    .action((record: string, more: string[], options: Record<string, unknown>) => {
      const files = [record, ...more];
      action = import('./reportCommand.js').then((m) => m.reportCommand(files.map(unmark), unmarkValues(options), io));
    });
  addOptions(
    cli.command('merge [...records]', 'Merge the run records of a ramp split into segments (--segment I/N)'),
    MERGE_OPTIONS,
  )
    .example('kubectl logs -l job-name=probe --tail=-1 | goon-probe merge - --min-concurrency 2000')
    .action((records: string[], options: Record<string, unknown>) => {
      action = import('./mergeCommand.js').then((m) =>
        m.mergeCommand(records.map(unmark), unmarkValues(options), io, argv),
      );
    });
  addOptions(
    cli.command('k8s [...target]', 'Print a Kubernetes Indexed Job that runs a ramp split over N pods (--segments N)'),
    K8S_OPTIONS,
  )
    .allowUnknownOptions()
    .example(
      'goon-probe k8s redis.default.svc:6379 --ramp 3000/s --segments 3 --image REGISTRY/goon-probe:0.1.0 | kubectl apply -f -',
    )
    .action(() => {
      // Every flag but k8s's own goes to the probe in each pod: it is parsed as the probe parses it.
      action = import('./k8sCommand.js').then((m) =>
        m.k8sCommand(
          argv.slice(1),
          io,
          VERSION,
          m.probeArgvParser((list) => {
            const probe = cac('goon-probe');
            addOptions(probe.command('[...target]', ''), PROBE_OPTIONS);
            const parsed = probe.parse(['node', 'goon-probe', ...list], { run: false });
            return { args: parsed.args, options: parsed.options };
          }),
        ),
      );
    });
  cli
    .command('doctor [...target]', 'Check what this machine can hold as a prober (no traffic sent)')
    .example('goon-probe doctor 127.0.0.1:6379')
    .action((target: string[], options: Record<string, unknown>) => {
      action = import('./doctorCommand.js').then((m) => m.doctorCommand(target.map(unmark), unmarkValues(options), io));
    });
  // Help and version go through `io` like everything else (cac itself would print to the console).
  cli.help((sections) => {
    const options = optionsHelp(specs, named === undefined ? PROBE_GROUPS : []);
    const about = named === undefined ? null : cli.commands.find((c) => c.name === named)?.description;
    const shown = sections.flatMap((x) => {
      if (x.title === 'Options') return [{ body: options }];
      // `serve` takes no arguments; its [...extra] only exists to refuse them in one line.
      const body =
        x.title === 'Usage'
          ? x.body.replace('serve [...extra]', 'serve [options]')
          : x.title === 'Examples'
            ? x.body
                .split('\n')
                .map((line) => `  $ ${line}`)
                .join('\n')
            : x.body.replace('serve [...extra]', 'serve           ');
      if (x.title === 'Usage' && about) return [{ ...x, body }, { body: about }];
      return [{ ...x, body }];
    });
    io.out(`${[...shown.map((x) => (x.title ? `${x.title}:\n${x.body}` : x.body)), EXIT_CODES].join('\n\n')}\n`);
    throw HELP_SHOWN;
  });
  cli.version(VERSION);
  cli.showHelpOnExit = false;
  cli.showVersionOnExit = false;
  try {
    const parsed = cli.parse(['node', 'goon-probe', ...markValues(argv, specs)], { run: false });
    if (parsed.options.help) cli.outputHelp();
    if (parsed.options.version) {
      io.out(`goon-probe/${VERSION} ${process.platform}-${process.arch} node-${process.version}\n`);
      return 0;
    }
    await cli.runMatchedCommand();
    if (!action) throw new UsageError('no command matched; see goon-probe --help');
    return await action;
  } catch (err) {
    if (err === HELP_SHOWN) return 0;
    io.err(
      `goon-probe: ${unknownOptionLine(err, argv.slice(named ? 1 : 0), specs, named ? `goon-probe ${named} --help` : 'goon-probe --help') ?? describe(err)}\n`,
    );
    return 1;
  }
}

/** Returns the line for an unknown option, named as typed, with the option it most likely meant. */
function unknownOptionLine(
  err: unknown,
  args: readonly string[],
  specs: readonly OptionSpec[],
  help: string,
): string | null {
  if ((err as Error)?.name !== 'CACError' || !/^Unknown option/.test((err as Error).message)) return null;
  const typed = unknownOption(args, specs);
  if (typed === null) return null;
  const meant = closestOption(typed, specs);
  return meant
    ? `unknown option ${typed}; did you mean ${meant}? (${help} lists the options)`
    : `unknown option ${typed}; see ${help} for the options`;
}

function describe(err: unknown): string {
  if (err instanceof UsageError) return err.message;
  // A command is loaded when it runs, so a load failure can surface here as well as in bin.ts.
  const loadFailure = loadFailureLine(err);
  if (loadFailure !== null) return loadFailure;
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
        if (handler(count) !== true && count > 1) process.exit(130);
      };
      // A closed terminal (SIGHUP) stops the run like Ctrl-C: the report and the files are still written.
      for (const signal of STOP_SIGNALS) process.on(signal, listener);
      return () => {
        for (const signal of STOP_SIGNALS) process.off(signal, listener);
      };
    },
  };
}
