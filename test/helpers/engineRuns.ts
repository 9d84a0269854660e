import * as assert from 'uvu/assert';
import { runCliProcess, type CliOptions } from './cli.js';

// biome-ignore lint/suspicious/noExplicitAny: a run record read back from the CLI's JSON, read loosely
export type Json = Record<string, any>;

/**
 * Runs the CLI with --json - on one engine (`auto`: without --engine, as the CLI picks); returns the
 * record, with the exit code as `exitCode`.
 */
export async function engineRecord(
  engine: 'native' | 'js' | 'auto',
  args: readonly string[],
  options: CliOptions = {},
): Promise<Json> {
  const run = await runCliProcess(
    [...args, ...(engine === 'auto' ? [] : ['--engine', engine]), '--json', '-', '-q'],
    options,
  );
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
