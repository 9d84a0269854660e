import { accessSync, appendFileSync, constants, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { CliIO } from '../cliIO.js';
import type { ProbeConfig } from '../config.js';
import { renderMarkdown } from '../report/markdown.js';
import type { RunRecord } from '../runRecord.js';
import { UsageError } from '../usageError.js';

/** Returns the record as the JSON text `--json` writes. */
export function recordJson(record: RunRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}

/** Returns true when `--json -` or `--markdown -` takes stdout, so text must go to stderr. */
export function stdoutTaken(config: ProbeConfig): boolean {
  return config.jsonPath === '-' || config.markdownPath === '-';
}

/**
 * Throws a UsageError when a requested output file cannot be written, so that a long run never
 * ends in an unwritable path. Checked before any connection is opened.
 */
export function checkOutputPaths(config: ProbeConfig): void {
  for (const [flag, path] of [['--json', config.jsonPath], ['--markdown', config.markdownPath]] as const) {
    if (path === undefined || path === '-') continue;
    const full = resolve(path);
    let code: string | null = statSync(full, { throwIfNoEntry: false })?.isDirectory() ? 'EISDIR' : null;
    try {
      accessSync(dirname(full), constants.W_OK);
    } catch (err) {
      code ??= (err as { code?: string }).code ?? 'error';
    }
    if (code) throw new UsageError(`${flag} ${JSON.stringify(path)} cannot be written (${code}); give a file in a writable directory, or - for stdout`);
  }
}

/**
 * Writes every output a run asked for: the JSON record, the Markdown page, and the GitHub step
 * summary when GITHUB_STEP_SUMMARY is set. Returns the problems, one line each (empty when none).
 */
export function writeRecordOutputs(record: RunRecord, config: ProbeConfig, io: CliIO): string[] {
  const problems: string[] = [];
  const markdown = config.markdownPath !== undefined || io.env.GITHUB_STEP_SUMMARY ? renderMarkdown(record) : '';
  const put = (flag: string, path: string, text: string, append = false): void => {
    try {
      if (path === '-') io.out(text);
      else if (append) appendFileSync(path, text);
      else writeFileSync(path, text);
    } catch (err) {
      problems.push(`${flag} ${JSON.stringify(path)} could not be written (${(err as { code?: string }).code ?? 'error'}); the text report above has the result`);
    }
  };
  if (config.jsonPath !== undefined) put('--json', config.jsonPath, recordJson(record));
  if (config.markdownPath !== undefined) put('--markdown', config.markdownPath, markdown);
  const summary = io.env.GITHUB_STEP_SUMMARY;
  if (summary) put('GITHUB_STEP_SUMMARY', summary, `${markdown}\n`, true);
  return problems;
}
