#!/usr/bin/env node
// The CLI is loaded here, not imported above: loading it opens files, and with a tiny open-file
// limit (ulimit -n 30) that fails before any of its code runs. It is caught and said in one line.
import { loadFailureLine } from './loadFailure.js';

try {
  const { processIO, runCli } = await import('./cli/runCli.js');
  process.exitCode = await runCli(process.argv.slice(2), processIO());
} catch (err) {
  const why =
    loadFailureLine(err) ?? `could not start (${(err as Error).message}); reinstall goon-probe (npm ci) and run again`;
  process.stderr.write(`goon-probe: ${why}\n`);
  process.exitCode = 1;
}
