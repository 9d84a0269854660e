import type { OptionSpec } from '../config/optionSpecs.js';
import { optionKey } from '../config/optionSpecs.js';
import type { RawOptions } from '../config/probeConfig.js';
import { UsageError } from '../usageError.js';

/** An option's value as a library caller gives it: text as on the command line, a number, or a switch. */
export type OptionValue = string | number | boolean;

/**
 * Returns a library call's options as the config reads command-line options: numbers become text,
 * and a name that is no option of `specs` (or is one of `refused`, with its reason) is a UsageError
 * naming the call, so a typo fails as it would on the command line.
 */
export function toRawOptions(
  call: string,
  given: Readonly<Record<string, unknown>>,
  specs: readonly OptionSpec[],
  refused: Readonly<Record<string, string>> = {},
): RawOptions {
  const known = new Set(specs.map(optionKey));
  const raw: Record<string, string | boolean> = {};
  for (const [name, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const why = refused[name];
    if (why !== undefined) throw new UsageError(`${call}: the ${JSON.stringify(name)} option is the CLI's; ${why}`);
    if (!known.has(name)) throw new UsageError(`${call}: ${JSON.stringify(name)} is no option; see goon-probe --help`);
    if (typeof value === 'number' && Number.isFinite(value)) raw[name] = String(value);
    else if (typeof value === 'string' || typeof value === 'boolean') raw[name] = value;
    else throw new UsageError(`${call}: option ${JSON.stringify(name)} must be text, a number or true/false`);
  }
  return raw;
}
