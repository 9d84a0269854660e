import { createRequire } from 'node:module';
import type { RE2JS } from 're2js';
import { decodeEscapes } from '../units.js';

/**
 * What a reply must contain for a connection to count as served. A regex runs on RE2JS, whose
 * matching time is linear in the bytes searched whatever the pattern: a server's bytes can never
 * make a pattern backtrack for ever (`/(A|AA)+B/` against a stream of `A`).
 */
export type ExpectMatcher =
  | { readonly kind: 'bytes'; readonly bytes: Buffer; readonly source: string }
  | { readonly kind: 'regex'; readonly regex: RE2JS; readonly source: string };

/**
 * Returns RE2JS, loaded on the first regex: a run without one (and --help, or a usage error) never
 * loads it. `require` is synchronous, which config validation needs; Node caches the module.
 */
function re2js(): typeof RE2JS {
  return (createRequire(import.meta.url)('re2js') as { RE2JS: typeof RE2JS }).RE2JS;
}

/** Returns RE2JS's bit for a regex flag of `--expect /…/flags` (g and u change nothing here), or undefined. */
function flagBit(engine: typeof RE2JS, flag: string): number | undefined {
  const bits: Readonly<Record<string, number>> = {
    i: engine.CASE_INSENSITIVE,
    m: engine.MULTILINE,
    s: engine.DOTALL,
    g: 0,
    u: 0,
  };
  return bits[flag];
}

/**
 * Returns the matcher for `--expect`: `/regex/flags`, or bytes with escapes (`+PONG\r\n`). Throws
 * an Error naming what is wrong with a pattern RE2 does not take (backreferences, lookaround).
 */
export function parseExpect(text: string): ExpectMatcher {
  const regex = /^\/(.+)\/([a-z]*)$/s.exec(text);
  if (!regex) return { kind: 'bytes', bytes: decodeEscapes(text, '--expect'), source: text };
  const engine = re2js();
  let flags = 0;
  for (const flag of regex[2] as string) {
    const bit = flagBit(engine, flag);
    if (bit === undefined) throw new Error(`flag ${flag} is not supported; use i, m or s`);
    flags |= bit;
  }
  return { kind: 'regex', regex: engine.compile(regex[1] as string, flags), source: text };
}

/** Returns true when the received bytes satisfy the matcher (contain the bytes, or match the regex as latin1 text). */
export function expectMatches(matcher: ExpectMatcher, received: Buffer): boolean {
  if (matcher.kind === 'bytes') return received.includes(matcher.bytes);
  return matcher.regex.test(received.toString('latin1'));
}
