import { decodeEscapes } from './units.js';

/** What a reply must contain for a connection to count as served. */
export type ExpectMatcher =
  | { readonly kind: 'bytes'; readonly bytes: Buffer; readonly source: string }
  | { readonly kind: 'regex'; readonly regex: RegExp; readonly source: string };

/** Returns the matcher for `--expect`: `/regex/flags`, or bytes with escapes (`+PONG\r\n`). */
export function parseExpect(text: string): ExpectMatcher {
  const regex = /^\/(.+)\/([a-z]*)$/s.exec(text);
  if (regex) return { kind: 'regex', regex: new RegExp(regex[1] as string, regex[2]), source: text };
  return { kind: 'bytes', bytes: decodeEscapes(text), source: text };
}

/** Returns true when the received bytes satisfy the matcher (contain the bytes, or match the regex as latin1 text). */
export function expectMatches(matcher: ExpectMatcher, received: Buffer): boolean {
  if (matcher.kind === 'bytes') return received.includes(matcher.bytes);
  return matcher.regex.test(received.toString('latin1'));
}
