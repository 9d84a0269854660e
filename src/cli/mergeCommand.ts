import { appendFileSync } from 'node:fs';
import { readInput } from './readInput.js';
import type { CliIO } from './cliIO.js';
import type { RawOptions } from '../config/probeConfig.js';
import { resultLine } from '../report/explain.js';
import { renderMarkdown } from '../report/markdown.js';
import { mergeRecords } from '../record/mergeRecords.js';
import { renderRampReport } from '../report/rampText.js';
import type { RunRecord } from '../record/runRecord.js';
import { makeRecordValidator } from '../record/validateRunRecord.js';
import { parseCount } from '../units.js';
import { UsageError } from '../usageError.js';
import { checkOutputPaths, recordJson, writeWhole } from './recordOutputs.js';
import { checkDistinctOutputs } from '../config/probeConfig.js';
import { REPORT_FORMATS } from './reportCommand.js';

/**
 * `goon-probe merge RECORD...`: the global result of a run split into segments over several hosts.
 * Each RECORD is a file or `-` (stdin); a file may hold one record, or log lines with one record a
 * line among others (what `kubectl logs` of several pods prints). Returns the exit code of the
 * merged run: 0, 2 or 3 as a single run's, and 1 when the records cannot be merged at all.
 */
export async function mergeCommand(
  sources: readonly string[],
  raw: RawOptions,
  io: CliIO,
  argv: readonly string[],
): Promise<number> {
  if (sources.length === 0)
    throw new UsageError(
      "merge needs the segments' run records: goon-probe merge a.json b.json c.json, or - for stdin",
    );
  const format = raw.format === undefined ? 'text' : raw.format;
  if (typeof format !== 'string' || !(REPORT_FORMATS as readonly string[]).includes(format))
    throw new UsageError(`--format ${JSON.stringify(format)} is not a report format; use text, markdown, html or json`);
  const text = (name: string): string | undefined => {
    const value = raw[name];
    if (value === true) throw new UsageError(`--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} needs a value`);
    return value === false ? undefined : value;
  };
  // Every output is checked before any input is read, as a run checks them before its first dial.
  const outputs = { jsonPath: text('json'), markdownPath: text('markdown'), htmlPath: text('html') };
  checkDistinctOutputs([
    ['--json', outputs.jsonPath],
    ['--markdown', outputs.markdownPath],
    ['--html', outputs.htmlPath],
  ]);
  if (format !== 'text' && Object.values(outputs).includes('-'))
    throw new UsageError(
      `--format ${format} and an output on - would put two documents on stdout; write one of them to a file`,
    );
  checkOutputPaths(outputs, io.env);
  const gateText = text('minConcurrency');
  const minConcurrency = gateText === undefined ? undefined : parseCount(gateText, '--min-concurrency', 1);
  const found: Array<{ record: RunRecord; name: string }> = [];
  for (const source of sources)
    found.push(...recordsIn(source, await readInput(source, 'give the records the segments wrote with --json')));
  const outcome = mergeRecords(
    found.map((f) => f.record),
    { minConcurrency, argv: ['merge', ...argv.slice(1)], names: found.map((f) => f.name) },
  );
  if (outcome.kind === 'refused') throw new UsageError(outcome.problem);
  const { record, problems } = outcome;
  const result = record.result;
  if (result.mode !== 'ramp') throw new UsageError('merge reads ramp records only');
  const segment = record.segment;
  const toStdout = text('json') === '-' || text('markdown') === '-' || text('html') === '-';
  // A document on stdout (--format json|markdown, or - as an output) keeps stdout to itself.
  const say = toStdout || format !== 'text' ? io.err : io.out;
  if (format === 'json' && !toStdout) io.out(recordJson(record));
  else if (format === 'markdown' && !toStdout) io.out(renderMarkdown(record));
  else if (format === 'html' && !toStdout) io.out((await import('../report/htmlReport.js')).renderHtml(record));
  else {
    say(
      `Merged run ${segment?.runId}: ${segment?.segments?.length} of ${segment?.count} segments (${segment?.segments?.map((s) => `${s.index} on ${s.host}`).join(', ')})\n`,
    );
    for (const problem of problems) say(`Inconclusive: ${problem}\n`);
    say(renderRampReport(result, { width: io.columns, color: io.stdoutIsTTY && !toStdout }));
  }
  const jsonPath = text('json');
  const markdownPath = text('markdown');
  if (jsonPath === '-') io.out(recordJson(record, true));
  else if (jsonPath !== undefined) writeWhole(jsonPath, recordJson(record));
  if (markdownPath === '-') io.out(renderMarkdown(record));
  else if (markdownPath !== undefined) writeWhole(markdownPath, renderMarkdown(record));
  const htmlPath = text('html');
  if (htmlPath !== undefined) {
    const html = (await import('../report/htmlReport.js')).renderHtml(record);
    if (htmlPath === '-') io.out(html);
    else writeWhole(htmlPath, html);
  }
  // In a GitHub Actions step, the page goes to the step's summary too, as a single run's does.
  const summary = io.env.GITHUB_STEP_SUMMARY;
  if (summary) appendFileSync(summary, `${renderMarkdown(record)}\n`);
  say(`${resultLine(result)}\n`);
  return result.exitCode;
}

/**
 * Returns the run records in a file or stdin, each with where it was read: the whole of it, or
 * every line that is one. A goon-probe record that does not validate, or a line that starts one and
 * is cut short, is a usage error naming it; other lines (progress, kubectl's own, any other JSON)
 * are skipped.
 */
function recordsIn(source: string, text: string): Array<{ record: RunRecord; name: string }> {
  const validate = makeRecordValidator();
  const name = source === '-' ? 'stdin' : source;
  const asRecord = (value: unknown, where: string): { record: RunRecord; name: string } | null => {
    if (typeof value !== 'object' || value === null || !('schemaVersion' in value)) return null;
    // Another tool's JSON that happens to have a schemaVersion is not ours: skipped, as other lines are.
    if ((value as { tool?: { name?: unknown } }).tool?.name !== 'goon-probe') return null;
    const problem = validate(value);
    if (problem) throw new UsageError(`${where} is not a goon-probe run record: ${problem}`);
    return { record: value as RunRecord, name: where };
  };
  const whole = parse(text);
  if (whole !== undefined) {
    const one = asRecord(whole, name);
    if (one) return [one];
  }
  // Logs: one record a line, among other lines (progress, kubectl's own, with --prefix or
  // --timestamps before the record), which are skipped.
  const found: Array<{ record: RunRecord; name: string }> = [];
  text.split('\n').forEach((line, i) => {
    const start = line.indexOf('{');
    if (start < 0) return;
    const where = `${name} line ${i + 1}`;
    const json = line.slice(start).trimEnd();
    const value = parse(json);
    if (value === undefined) {
      if (json.includes('"tool":{"name":"goon-probe"'))
        throw new UsageError(
          `${where} holds a goon-probe run record that is cut short or malformed; give the whole record`,
        );
      return;
    }
    const one = asRecord(value, where);
    if (one) found.push(one);
  });
  return found;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
