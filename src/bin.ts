#!/usr/bin/env node
// The CLI is loaded here, not imported above: loading it opens files, and with a tiny open-file
// limit (ulimit -n 30) that fails before any of its code runs. It is caught and said in one line.
try {
  const { processIO, runCli } = await import('./cli/runCli.js');
  process.exitCode = await runCli(process.argv.slice(2), processIO());
} catch (err) {
  const code = (err as { code?: string }).code;
  const why =
    code === 'EMFILE' || code === 'ENFILE'
      ? `too few open files to load (${code}); raise the limit (ulimit -n 4096) and run again`
      : `could not start (${code ?? (err as Error).message}); reinstall goon-probe (npm ci) and run again`;
  process.stderr.write(`goon-probe: ${why}\n`);
  process.exitCode = 1;
}
