import { basename } from 'node:path';
import type { CliIO } from './cliIO.js';
import type { RawOptions } from '../config/probeConfig.js';
import { resultLine } from '../report/explain.js';
import { renderFixedReport } from '../report/fixedText.js';
import { compareRecords, renderCompareMarkdown, renderCompareText } from '../report/compareRecords.js';
import { renderMarkdown } from '../report/markdown.js';
import { renderRampReport } from '../report/rampText.js';
import { SCHEMA_VERSION, type RunRecord } from '../record/runRecord.js';
import { UsageError } from '../usageError.js';
import { makeRecordValidator } from '../record/validateRunRecord.js';
import { readInput } from './readInput.js';
import { recordJson } from './recordOutputs.js';

/** The formats `goon-probe report` renders. */
export const REPORT_FORMATS = ['text', 'markdown', 'html', 'json'] as const;

/**
 * Renders a saved run record (`--json` output) again, without any network, or two of them side by
 * side with --compare; returns the exit code.
 */
export async function reportCommand(files: readonly string[], raw: RawOptions, io: CliIO): Promise<number> {
  const compare = raw.compare === true;
  if (compare && files.length !== 2)
    throw new UsageError(
      `--compare needs two run records, before and after (got ${files.length}): goon-probe report before.json after.json --compare`,
    );
  if (!compare && files.length !== 1)
    throw new UsageError(
      'report needs one run record: goon-probe report run.json [--format text|markdown|html|json]; to set two side by side, add --compare',
    );
  const format = raw.format === undefined ? 'text' : raw.format;
  if (typeof format !== 'string' || !(REPORT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format ${JSON.stringify(format)} is not a report format; use text, markdown, html or json`);
  }
  if (compare) return compareCommand(files as [string, string], format, io);
  const record = await loadRecord(files[0] as string);
  if (format === 'json') io.out(recordJson(record));
  else if (format === 'markdown') io.out(renderMarkdown(record));
  else if (format === 'html') io.out((await import('../report/htmlReport.js')).renderHtml(record));
  else {
    const r = record.result;
    io.out(
      r.mode === 'ramp' ? renderRampReport(r, { width: io.columns, color: io.stdoutIsTTY }) : renderFixedReport(r),
    );
    io.out(`${resultLine(r)}\n`);
  }
  return 0;
}

/** Renders two run records side by side; `-` may stand for one of them (stdin). */
async function compareCommand(files: [string, string], format: string, io: CliIO): Promise<number> {
  if (files[0] === '-' && files[1] === '-')
    throw new UsageError('only one of the two records can be read from stdin (-)');
  if (format === 'json') throw new UsageError('--compare renders text, markdown or html, not json; drop --format json');
  const names = runNames(files);
  const outcome = compareRecords(
    { name: names[0], record: await loadRecord(files[0]) },
    { name: names[1], record: await loadRecord(files[1]) },
  );
  if (outcome.kind === 'refused') throw new UsageError(outcome.problem);
  const c = outcome.comparison;
  if (format === 'markdown') io.out(renderCompareMarkdown(c));
  else if (format === 'html') io.out((await import('../report/compareHtml.js')).renderCompareHtml(c));
  else io.out(renderCompareText(c, { width: io.columns, color: io.stdoutIsTTY }));
  return 0;
}

/** Returns what the two runs are called in a comparison: their file names, or their paths when those are the same. */
export function runNames(files: readonly [string, string]): [string, string] {
  const name = (f: string): string => (f === '-' ? 'stdin' : basename(f));
  const [a, b] = [name(files[0]), name(files[1])];
  return a === b ? [files[0], files[1]] : [a, b];
}

/** Returns the run record in a file (or stdin for `-`), checked against the schema. */
export async function loadRecord(path: string): Promise<RunRecord> {
  const text = await readInput(path, 'give the file a --json run wrote');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`${JSON.stringify(path)} is not JSON; give the file a --json run wrote`);
  }
  const version = (value as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version > SCHEMA_VERSION) {
    throw new UsageError(
      `${JSON.stringify(path)} has schemaVersion ${version}, newer than this goon-probe reads (${SCHEMA_VERSION}); upgrade goon-probe`,
    );
  }
  const problem = makeRecordValidator()(value);
  if (problem) throw new UsageError(`${JSON.stringify(path)} is not a goon-probe run record: ${problem}`);
  return value as RunRecord;
}
