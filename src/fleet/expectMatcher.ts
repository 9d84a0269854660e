import { createRequire } from 'node:module';
import type { RE2JS } from 're2js';
import type { Judgement, ProtocolParams } from '../protocols/protocol.js';
import { protocolNamed } from '../protocols/protocols.js';
import { decodeEscapes } from '../units.js';

/**
 * What a reply must be for a connection to count as served: --expect's bytes or regex, or a URL
 * target's protocol (its judge of the opening reply or of the heartbeat's). A regex runs on RE2JS,
 * whose matching time is linear in the bytes searched whatever the pattern: a server's bytes can
 * never make a pattern backtrack for ever (`/(A|AA)+B/` against a stream of `A`). A protocol
 * matcher is plain data (the protocol by name), so it crosses to shard processes as it is.
 */
export type ExpectMatcher =
  | { readonly kind: 'bytes'; readonly bytes: Buffer; readonly source: string }
  | { readonly kind: 'regex'; readonly regex: RE2JS; readonly source: string }
  | {
      readonly kind: 'protocol';
      /** The protocol's name, as PROTOCOLS lists it (`PostgreSQL`). */
      readonly protocol: string;
      readonly phase: 'open' | 'heartbeat';
      readonly params: ProtocolParams;
      /** What counts as served, in words, for reports. */
      readonly source: string;
    };

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

/**
 * Returns what the bytes received so far say: --expect's bytes or regex are served once they are
 * there (contained, or matched as latin1 text) and need more until then; a protocol's judge can
 * also say denied (the server's refusal in its words) or mismatch.
 */
export function judgeReply(matcher: ExpectMatcher, received: Buffer): Judgement {
  if (matcher.kind === 'protocol') {
    const protocol = protocolNamed(matcher.protocol);
    if (!protocol) return { kind: 'mismatch', why: `unknown protocol ${matcher.protocol}` };
    const exchange = matcher.phase === 'open' ? protocol.open : protocol.heartbeat;
    if (!('judge' in exchange)) return { kind: 'mismatch', why: exchange.none };
    return exchange.judge(received, matcher.params);
  }
  const found =
    matcher.kind === 'bytes' ? received.includes(matcher.bytes) : matcher.regex.test(received.toString('latin1'));
  return found ? { kind: 'served' } : { kind: 'more' };
}

/** Returns true when the received bytes satisfy the matcher. */
export function expectMatches(matcher: ExpectMatcher, received: Buffer): boolean {
  return judgeReply(matcher, received).kind === 'served';
}

/**
 * Returns a matcher as it was before a structured clone (a shard's options): a regex compiled again
 * from its source, bytes as a Buffer again; a protocol matcher is plain data and comes through whole.
 */
export function reviveMatcher(matcher: ExpectMatcher): ExpectMatcher {
  return matcher.kind === 'protocol' ? matcher : parseExpect(matcher.source);
}
