import { readFileSync } from 'node:fs';
import type { CliIO } from './cliIO.js';
import type { RawOptions } from '../config/probeConfig.js';
import { resultLine } from '../report/explain.js';
import { renderFixedReport } from '../report/fixedText.js';
import { renderMarkdown } from '../report/markdown.js';
import { renderRampReport } from '../report/rampText.js';
import { SCHEMA_VERSION, type RunRecord } from '../report/runRecord.js';
import { UsageError } from '../usageError.js';
import { makeRecordValidator } from '../report/validateRunRecord.js';
import { recordJson } from './recordOutputs.js';

/** The formats `goon-probe report` renders. */
export const REPORT_FORMATS = ['text', 'markdown', 'json'] as const;

/** Renders a saved run record (`--json` output) again, without any network; returns the exit code. */
export async function reportCommand(files: readonly string[], raw: RawOptions, io: CliIO): Promise<number> {
  if (files.length !== 1)
    throw new UsageError('report needs one run record: goon-probe report run.json [--format text|markdown|json]');
  const format = raw.format === undefined ? 'text' : raw.format;
  if (typeof format !== 'string' || !(REPORT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format ${JSON.stringify(format)} is not a report format; use text, markdown or json`);
  }
  const record = loadRecord(files[0] as string);
  if (format === 'json') io.out(recordJson(record));
  else if (format === 'markdown') io.out(renderMarkdown(record));
  else {
    const r = record.result;
    io.out(
      r.mode === 'ramp' ? renderRampReport(r, { width: io.columns, color: io.stdoutIsTTY }) : renderFixedReport(r),
    );
    io.out(`${resultLine(r)}\n`);
  }
  return 0;
}

/** Returns the run record in a file (or stdin for `-`), checked against the schema. */
export function loadRecord(path: string): RunRecord {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (err) {
    throw new UsageError(
      `cannot read ${JSON.stringify(path)} (${(err as { code?: string }).code ?? 'error'}); give the file a --json run wrote`,
    );
  }
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
