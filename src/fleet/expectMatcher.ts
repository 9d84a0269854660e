import { RE2JS } from 're2js';
import { decodeEscapes } from '../units.js';

/**
 * What a reply must contain for a connection to count as served. A regex runs on RE2JS, whose
 * matching time is linear in the bytes searched whatever the pattern: a server's bytes can never
 * make a pattern backtrack for ever (`/(A|AA)+B/` against a stream of `A`).
 */
export type ExpectMatcher =
  | { readonly kind: 'bytes'; readonly bytes: Buffer; readonly source: string }
  | { readonly kind: 'regex'; readonly regex: RE2JS; readonly source: string };

/** The regex flags `--expect /…/flags` takes, and RE2JS's flag for each (g and u change nothing here). */
const FLAGS: Readonly<Record<string, number>> = {
  i: RE2JS.CASE_INSENSITIVE,
  m: RE2JS.MULTILINE,
  s: RE2JS.DOTALL,
  g: 0,
  u: 0,
};

/**
 * Returns the matcher for `--expect`: `/regex/flags`, or bytes with escapes (`+PONG\r\n`). Throws
 * an Error naming what is wrong with a pattern RE2 does not take (backreferences, lookaround).
 */
export function parseExpect(text: string): ExpectMatcher {
  const regex = /^\/(.+)\/([a-z]*)$/s.exec(text);
  if (!regex) return { kind: 'bytes', bytes: decodeEscapes(text, '--expect'), source: text };
  let flags = 0;
  for (const flag of regex[2] as string) {
    const bit = FLAGS[flag];
    if (bit === undefined) throw new Error(`flag ${flag} is not supported; use i, m or s`);
    flags |= bit;
  }
  return { kind: 'regex', regex: RE2JS.compile(regex[1] as string, flags), source: text };
}

/** Returns true when the received bytes satisfy the matcher (contain the bytes, or match the regex as latin1 text). */
export function expectMatches(matcher: ExpectMatcher, received: Buffer): boolean {
  if (matcher.kind === 'bytes') return received.includes(matcher.bytes);
  return matcher.regex.test(received.toString('latin1'));
}
