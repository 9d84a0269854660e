import type { OptionSpec } from '../config/optionSpecs.js';

/** Marks a flag's value so that the argument parser keeps it as text (`007` stays `007`). */
export const VALUE_MARK = '\u0001';

/**
 * Returns argv with every value of a value-taking flag joined to its flag and marked, so that
 * `-c -5` reaches validation as "-5" and `--send 007` as "007" instead of being reinterpreted.
 */
export function markValues(argv: readonly string[], specs: readonly OptionSpec[]): string[] {
  const valueFlags = new Map<string, string>();
  for (const spec of specs) {
    if (!spec.flags.includes('<')) continue;
    const names = spec.flags.split(/[ ,]+/).filter((p) => p.startsWith('-'));
    const long = names.find((n) => n.startsWith('--')) as string;
    for (const name of names) valueFlags.set(name, long);
  }
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (token === '-') {
      out.push(`${VALUE_MARK}-`); // stdin as an argument (report -): the parser would take it for a flag
      continue;
    }
    const eq = token.indexOf('=');
    const long = valueFlags.get(eq > 0 ? token.slice(0, eq) : token);
    if (long && eq > 0) out.push(`${long}=${VALUE_MARK}${token.slice(eq + 1)}`);
    else if (long && i + 1 < argv.length) out.push(`${long}=${VALUE_MARK}${argv[++i]}`);
    else out.push(token);
  }
  return out;
}

/** Returns a positional argument with its value mark removed. */
export function unmark(value: string): string {
  return value.startsWith(VALUE_MARK) ? value.slice(1) : value;
}

/** Returns parsed options with the value marks removed; a repeated flag keeps its last value. */
export function unmarkValues(options: Record<string, unknown>): Record<string, string | boolean | undefined> {
  const out: Record<string, string | boolean | undefined> = {};
  for (const [key, value] of Object.entries(options)) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (typeof last === 'string') out[key] = unmark(last);
    else if (typeof last === 'boolean') out[key] = last;
    else if (last !== undefined && last !== null) out[key] = String(last);
  }
  return out;
}
