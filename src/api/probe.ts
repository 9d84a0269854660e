import { readFileSync } from 'node:fs';
import { PROBE_OPTIONS } from '../config/optionSpecs.js';
import { buildProbeConfig, flagName } from '../config/probeConfig.js';
import type { RoundRecord } from '../probe/result.js';
import type { CredentialEnv } from '../protocols/urlTarget.js';
import type { RunRecord } from '../record/runRecord.js';
import { UsageError } from '../usageError.js';
import { measure } from './measure.js';
import { packageVersion } from './packageVersion.js';
import { toRawOptions, type OptionValue } from './rawOptions.js';

/**
 * What `probe()` runs: the CLI's options by their long names in camelCase (`--max-duration 10s` is
 * `maxDuration: '10s'`, `--no-reopen` is `reopen: false`), with the target(s) as `target`. The
 * common ones are typed; any other probe option is accepted by name and checked as the CLI checks it.
 */
export interface ProbeOptions {
  /** `host:port`, a URL (`redis://127.0.0.1:6379`), or several. */
  readonly target: string | readonly string[];
  /** Ramp mode: the rate (`100/s`). Without it the run is fixed mode (`connections`). */
  readonly ramp?: string;
  readonly maxDuration?: string | number;
  readonly round?: string | number;
  readonly errorThreshold?: string | number;
  readonly maxConnections?: number;
  readonly minConcurrency?: number;
  readonly send?: string;
  /** Bytes a reply must contain, or `/regex/`: a connection counts only once the server answered. */
  readonly expect?: string;
  /** Fixed mode: how many connections to open. */
  readonly connections?: number;
  /** The connection engine: `auto` (the default: native where it covers the run), `native` or `js`. */
  readonly engine?: 'auto' | 'native' | 'js';
  /** Targets outside loopback are refused unless this is true. */
  readonly assumeYes?: boolean;
  /** Where URL targets without their own credentials find them (PGPASSWORD, REDISCLI_AUTH, …); pass `process.env` for the shell's. */
  readonly env?: CredentialEnv;
  /** Ends the run early; the record covers what was measured. */
  readonly signal?: AbortSignal;
  /** Ramp mode: called at the end of every round. */
  readonly onRound?: (round: RoundRecord) => void;
  readonly [option: string]:
    | OptionValue
    | readonly string[]
    | AbortSignal
    | ((round: RoundRecord) => void)
    | CredentialEnv
    | undefined;
}

/** Options of the CLI that have no meaning in a library call, and what to do instead. */
const CLI_ONLY: Readonly<Record<string, string>> = {
  json: 'probe() returns the run record; write it with JSON.stringify',
  markdown: 'render the returned record with the CLI (goon-probe report record.json --format markdown)',
  html: 'render the returned record with the CLI (goon-probe report record.json --format html)',
  quiet: 'probe() prints nothing',
  debug: 'probe() prints nothing',
  interval: 'probe() prints nothing; use onRound',
  listenPort: 'start a target with serve() and probe its address',
};

/**
 * Runs a probe and returns its run record: the same document `--json` writes, with the verdict
 * in `record.result` (`maximum`, `verdict`, `exitCode`) and the diagnosis in `record.diagnosis`.
 * Bad options throw a UsageError with the CLI's one-line message. It prints nothing and writes
 * no file. A run interrupted before its first round (an aborted wait for `startAt`) throws.
 */
export async function probe(options: ProbeOptions): Promise<RunRecord> {
  const { target, signal, onRound, env, ...rest } = options;
  const targets = typeof target === 'string' ? [target] : [...(target ?? [])];
  if (targets.length === 0) throw new UsageError('probe(): give a target, like { target: "127.0.0.1:6379" }');
  const raw = toRawOptions('probe()', rest, PROBE_OPTIONS, CLI_ONLY);
  const config = {
    ...buildProbeConfig(raw, targets, (path) => readFileSync(path), Date.now(), env ?? {}),
    quiet: true,
  };
  const argv = [...targets, ...commandFlags(raw)];
  const measured = await measure(config, {
    version: packageVersion(),
    argv,
    ...(signal ? { signal } : {}),
    ...(onRound ? { ramp: { onRound } } : {}),
  });
  if (measured.kind === 'measured') return measured.record;
  if (measured.kind === 'nothing') throw new Error('probe(): interrupted before the first round; nothing was measured');
  throw new UsageError(`probe(): ${measured.problem}`);
}

/** Returns options as the command line that runs the same probe: `--max-duration 10s`, `--no-reopen`. */
export function commandFlags(raw: Readonly<Record<string, string | boolean | undefined>>): string[] {
  return Object.entries(raw).flatMap(([key, value]) => {
    const flag = flagName(key);
    if (value === true) return [flag];
    if (value === false) return [`--no-${flag.slice(2)}`];
    return value === undefined ? [] : [flag, value];
  });
}
