import type { CliIO } from './cliIO.js';
import { buildProbeConfig } from '../config/probeConfig.js';
import { k8sJob } from '../deploy/k8sJob.js';
import { parseCount, parseDuration } from '../units.js';
import { UsageError } from '../usageError.js';
import { MAX_SEGMENTS } from '../config/segmentPlan.js';
import { markValues, unmark, unmarkValues } from './cliOptions.js';
import { PROBE_OPTIONS } from '../config/optionSpecs.js';
import { closestOption, unknownOption } from './helpText.js';
import { redactUrl } from '../protocols/urlTarget.js';

/** The flags of `goon-probe k8s` itself; every other flag goes to the probe in each pod. */
const OWN_FLAGS = ['--segments', '--image', '--name', '--start-in'] as const;
/** Flags that cannot work in a pod: what reads or writes this machine, or a page into the log merge reads. */
const NOT_IN_A_POD: Readonly<Record<string, string>> = {
  '--html':
    'a pod writes its record to its log, which merge reads; render the page with goon-probe merge … --html FILE',
  '--source-ip': "source addresses are this machine's, not a pod's; drop it (each pod dials from its own address)",
  '--listen-port': "a pod's port is not this machine's; drop it",
  '-l': "a pod's port is not this machine's; drop it",
  '--send-file': "the file is on this machine, not in the pod's image; give the bytes with --send",
  '--first-message-file': "the file is on this machine, not in the pod's image; give the bytes with --first-message",
  '--message-file': "the file is on this machine, not in the pod's image; give the bytes with --message",
  '--ca': "the file is on this machine, not in the pod's image; build an image that holds it, or use --insecure",
  '--metrics-port': "a pod's port is not this machine's; drop it",
  '--': 'the pods run goon-probe itself; nothing follows --',
};

/** Flags the Job sets in every pod, so they cannot be given. */
const SET_BY_JOB = [
  '--segment',
  '--start-at',
  '--run-id',
  '--json',
  '--markdown',
  '-q',
  '--quiet',
  '-y',
  '--assume-yes',
];

/**
 * `goon-probe k8s TARGET --segments N [probe flags] [--image IMG] [--name NAME] [--start-in 60s]`:
 * prints an Indexed Job to pipe into `kubectl apply -f -`. Returns the exit code.
 */
export async function k8sCommand(
  argv: readonly string[],
  io: CliIO,
  version: string,
  parseProbe: (argv: readonly string[]) => { positionals: string[]; options: Record<string, unknown> },
  nowMs: number = Date.now(),
): Promise<number> {
  const own = new Map<string, string>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    if ((OWN_FLAGS as readonly string[]).includes(flag)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`${flag} needs a value; see goon-probe k8s --help`);
      own.set(flag, value);
    } else if (SET_BY_JOB.includes(flag)) {
      throw new UsageError(`${flag} is set by the Job in every pod; drop it from goon-probe k8s`);
    } else if (NOT_IN_A_POD[flag] !== undefined) {
      throw new UsageError(`${flag} cannot work in a pod: ${NOT_IN_A_POD[flag]}`);
    } else rest.push(arg);
  }
  // A mistyped flag would go into every pod and fail there: name it here, as a local run does.
  const typo = unknownOption(rest, PROBE_OPTIONS);
  if (typo !== null) {
    const meant = closestOption(typo, [...PROBE_OPTIONS, ...OWN_FLAGS.map((f) => ({ flags: f, description: '' }))]);
    throw new UsageError(
      meant
        ? `unknown option ${typo}; did you mean ${meant}? (goon-probe k8s --help lists the options)`
        : `unknown option ${typo}; see goon-probe k8s --help for the options`,
    );
  }
  const segmentsText = own.get('--segments');
  if (segmentsText === undefined)
    throw new UsageError('k8s needs --segments N: how many pods (hosts) share the plan, like --segments 3');
  const segments = parseCount(segmentsText, '--segments', 1);
  if (segments > MAX_SEGMENTS)
    throw new UsageError(`--segments ${segments} is too many; use at most ${MAX_SEGMENTS} pods`);
  const image = own.get('--image');
  if (image !== undefined && !/^[^\s]+$/.test(image))
    throw new UsageError(
      `--image ${JSON.stringify(image.slice(0, 80))} is not an image reference; give one like registry.example/goon-probe:0.1.0, with no spaces`,
    );
  const name = own.get('--name') ?? 'goon-probe';
  if (!/^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$/.test(name))
    throw new UsageError(
      `--name ${JSON.stringify(name)} is not a Kubernetes name; use lower-case letters, digits and -`,
    );
  const startInMs = parseDuration(own.get('--start-in') ?? '60s', '--start-in', 's');
  const startAt = new Date(Math.ceil((nowMs + startInMs) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  // The probe's flags are checked here, as each pod will read them: a mistake fails now, not in the cluster.
  const { positionals, options } = parseProbe(rest);
  const secret = positionals.find((p) => redactUrl(p) !== p);
  if (secret !== undefined)
    throw new UsageError(
      `${redactUrl(secret)} has a password, which would be written into the Job for anyone who can read it; drop it from the URL and give it to the pods from a Secret as PGPASSWORD, REDISCLI_AUTH or NATS_PASSWORD`,
    );
  if (options.ramp === undefined)
    throw new UsageError('k8s splits a capacity probe over pods; add --ramp RATE (like --ramp 1000/s)');
  const config = buildProbeConfig(
    { ...(options as Record<string, string | boolean>), segment: `0/${segments}`, startAt },
    positionals,
    () => Buffer.alloc(0),
    nowMs,
  );
  const job = k8sJob({
    name,
    image: image ?? `goon-probe:${version}`,
    segments,
    probeArgs: rest,
    startAt,
    runId: config.runId as string,
    version,
    deadlineSeconds: waitSeconds(config, startInMs),
  });
  io.out(`${JSON.stringify(job, null, 2)}\n`);
  io.err(
    `goon-probe: Job ${name}: ${segments} pods, round 1 at ${startAt}, run ${config.runId}; then:\n  ${k8sWaitCommand(name, waitSeconds(config, startInMs))}\n  kubectl logs -l job-name=${name} --tail=-1 | goon-probe merge -\n`,
  );
  return 0;
}

/** Returns the probe's positionals and options from argv, parsed as the probe command parses them. */
export function probeArgvParser(
  parse: (argv: readonly string[]) => { args: readonly string[]; options: Record<string, unknown> },
): (argv: readonly string[]) => { positionals: string[]; options: Record<string, unknown> } {
  return (argv) => {
    const parsed = parse(markValues(argv, PROBE_OPTIONS));
    return { positionals: parsed.args.map(unmark), options: unmarkValues(parsed.options) };
  };
}

/**
 * Returns a shell command that waits, at most `seconds`, until the Job has ended either way:
 * Complete, or Failed (a segment that exited non-zero fails its index, and the Job, once every pod
 * has ended). `kubectl wait --for=condition=complete` alone would wait out its whole timeout on a
 * Job that failed.
 */
export function k8sWaitCommand(name: string, seconds: number): string {
  const ended = `kubectl get job/${name} -o jsonpath='{.status.conditions[?(@.status=="True")].type}' | grep -qwE 'Complete|Failed'`;
  return `timeout ${seconds} sh -c "until ${ended.replaceAll('"', '\\"')}; do sleep 5; done"`;
}

/** Returns how long to wait for the Job: the start, the whole plan, its settle, and two minutes for pods to start and end. */
function waitSeconds(config: ReturnType<typeof buildProbeConfig>, startInMs: number): number {
  const planMs = config.ramp?.maxDurationMs ?? 0;
  return Math.ceil((startInMs + planMs + config.settleMs + config.expectTimeoutMs + 120_000) / 1000);
}
