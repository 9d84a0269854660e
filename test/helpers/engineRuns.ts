import * as assert from 'uvu/assert';
import { runCliProcess, type CliOptions } from './cli.js';
import { runCliHere } from './runCliHere.js';

// biome-ignore lint/suspicious/noExplicitAny: a run record read back from the CLI's JSON, read loosely
export type Json = Record<string, any>;

/**
 * Runs the CLI with --json - on one engine (`auto`: without --engine, as the CLI picks); returns the
 * record, with the exit code as `exitCode`. It runs in this process (the engines' targets run in
 * processes of their own), which spares a CLI process's start-up, about 0.2 s of CPU; with options
 * (an open-file limit, an environment, input), as a process of its own.
 */
export async function engineRecord(
  engine: 'native' | 'js' | 'auto',
  args: readonly string[],
  options: CliOptions = {},
): Promise<Json> {
  const argv = [...args, ...(engine === 'auto' ? [] : ['--engine', engine]), '--json', '-', '-q'];
  const run = Object.keys(options).length === 0 ? await runCliHere(argv) : await runCliProcess(argv, options);
  const start = run.stdout.indexOf('{');
  assert.ok(start >= 0, `no record from --engine ${engine}: ${run.stderr}`);
  const rec = JSON.parse(run.stdout.slice(start, run.stdout.lastIndexOf('}') + 1)) as Json;
  if (engine !== 'auto') assert.is(rec.config.engine.name, engine, 'the record names the engine that ran');
  return { ...rec, exitCode: run.code };
}

/** What must agree between the engines in fixed mode: the outcome, the counts and the failures with their evidence. */
export function fixedOutcome(rec: Json): Json {
  const r = rec.result;
  return {
    exit: rec.exitCode,
    status: r.status,
    totalEstablished: r.totalEstablished,
    failures: r.failures,
    evidence: r.evidence,
  };
}
