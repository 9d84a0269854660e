import { appendFileSync, closeSync, openSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { CliIO } from './cliIO.js';
import type { ProbeConfig } from '../config/probeConfig.js';
import { renderMarkdown } from '../report/markdown.js';
import type { RunRecord } from '../record/runRecord.js';
import { UsageError } from '../usageError.js';

/** Returns the record as the JSON text `--json` writes. */
export function recordJson(record: RunRecord, oneLine = false): string {
  return `${oneLine ? JSON.stringify(record) : JSON.stringify(record, null, 2)}\n`;
}

/** Returns true when `--json -`, `--markdown -` or `--html -` takes stdout, so text must go to stderr. */
export function stdoutTaken(config: ProbeConfig): boolean {
  return config.jsonPath === '-' || config.markdownPath === '-' || config.htmlPath === '-';
}

/** Where a run (or a merge) writes its documents: a file, `-` for stdout, or nothing. */
export type OutputPaths = Pick<ProbeConfig, 'jsonPath' | 'markdownPath' | 'htmlPath'>;

/** Every file a run will write: the flag (or variable) that names it, and its path. */
function outputFiles(config: OutputPaths, env: CliIO['env']): Array<{ what: string; path: string }> {
  const files: Array<{ what: string; path: string }> = [];
  if (config.jsonPath !== undefined && config.jsonPath !== '-') files.push({ what: '--json', path: config.jsonPath });
  if (config.markdownPath !== undefined && config.markdownPath !== '-')
    files.push({ what: '--markdown', path: config.markdownPath });
  if (config.htmlPath !== undefined && config.htmlPath !== '-') files.push({ what: '--html', path: config.htmlPath });
  if (env.GITHUB_STEP_SUMMARY) files.push({ what: 'GITHUB_STEP_SUMMARY', path: env.GITHUB_STEP_SUMMARY });
  return files;
}

/**
 * Throws a UsageError when a file the run will write (--json, --markdown, --html, GITHUB_STEP_SUMMARY)
 * cannot be: called before any connection is opened, so that a long run never ends in an
 * unwritable path. It opens what exists for appending (which changes nothing) and, for a file
 * still to be made, makes and removes a scratch file beside it, as the final write will.
 */
export function checkOutputPaths(config: OutputPaths, env: CliIO['env']): void {
  for (const { what, path } of outputFiles(config, env)) {
    const code = writeProblem(resolve(path));
    if (code)
      throw new UsageError(
        `${what} ${JSON.stringify(path)} cannot be written (${code}); give a file in a writable directory${what === 'GITHUB_STEP_SUMMARY' ? '' : ', or - for stdout'}`,
      );
  }
}

/** Returns the error code that writing the file would meet now, or null. */
function writeProblem(full: string): string | null {
  try {
    const stat = statSync(full, { throwIfNoEntry: false });
    if (stat?.isDirectory()) return 'EISDIR';
    if (stat && !stat.isFile()) return null; // a device or a pipe (/dev/stdout): written in place, opened only then
    if (stat) closeSync(openSync(full, 'a'));
    else {
      const scratch = scratchPath(full);
      closeSync(openSync(scratch, 'wx'));
      unlinkSync(scratch);
    }
    return null;
  } catch (err) {
    return (err as { code?: string }).code ?? 'error';
  }
}

/** Returns a file name beside `full` for writing it whole before it takes its place. */
function scratchPath(full: string): string {
  return join(dirname(full), `.${basename(full)}.${process.pid}.tmp`);
}

/**
 * Writes `text` to `path` so that a reader sees the old file or the whole new one, never half:
 * into a scratch file beside it, then renamed over it. A device or pipe is written in place.
 */
export function writeWhole(path: string, text: string): void {
  const full = resolve(path);
  if (statSync(full, { throwIfNoEntry: false })?.isFile() === false) {
    writeFileSync(full, text);
    return;
  }
  const scratch = scratchPath(full);
  try {
    writeFileSync(scratch, text);
    renameSync(scratch, full);
  } catch (err) {
    try {
      unlinkSync(scratch);
    } catch {
      // never made, or already gone
    }
    throw err;
  }
}

/**
 * Writes every output a run asked for: the JSON record, the Markdown and HTML pages, and the GitHub
 * step summary when GITHUB_STEP_SUMMARY is set. Returns the problems, one line each (empty when none).
 * The HTML renderer (and its chart library) is loaded only when --html asks for it.
 */
export async function writeRecordOutputs(record: RunRecord, config: ProbeConfig, io: CliIO): Promise<string[]> {
  const problems: string[] = [];
  const markdown = config.markdownPath !== undefined || io.env.GITHUB_STEP_SUMMARY ? renderMarkdown(record) : '';
  const put = (what: string, path: string, text: string, append = false): void => {
    try {
      if (path === '-') io.out(text);
      else if (append) appendFileSync(path, text);
      else writeWhole(path, text);
    } catch (err) {
      problems.push(
        `${what} ${JSON.stringify(path)} could not be written (${(err as { code?: string }).code ?? 'error'}); ${config.quiet ? 'the result line below has the answer' : 'the text report above has the result'}`,
      );
    }
  };
  // On stdout the record is one line, so that the logs of many hosts (kubectl logs) can be merged.
  if (config.jsonPath !== undefined) put('--json', config.jsonPath, recordJson(record, config.jsonPath === '-'));
  if (config.markdownPath !== undefined) put('--markdown', config.markdownPath, markdown);
  if (config.htmlPath !== undefined) {
    const { renderHtml } = await import('../report/htmlReport.js');
    put('--html', config.htmlPath, renderHtml(record));
  }
  const summary = io.env.GITHUB_STEP_SUMMARY;
  if (summary) put('GITHUB_STEP_SUMMARY', summary, `${markdown}\n`, true);
  return problems;
}
