/**
 * Returns the one line for an error thrown while loading goon-probe's own modules, or null when
 * the error is not one: too few open files (a tiny `ulimit -n`) or a broken install.
 */
export function loadFailureLine(err: unknown): string | null {
  const code = (err as { code?: string } | null)?.code;
  if (code === 'EMFILE' || code === 'ENFILE')
    return `too few open files to load (${code}); raise the limit (ulimit -n 4096) and run again`;
  if (code === 'ERR_MODULE_NOT_FOUND') return `could not start (${code}); reinstall goon-probe (npm ci) and run again`;
  return null;
}
