import { completeLines, denied, MORE, mismatch, type Judgement, type Protocol, printable, SERVED } from './protocol.js';

/** RFC 4253: the identification line and any line before it are at most 255 bytes. */
const MAX_LINE = 255;
/** Lines a server may send before its identification (RFC 4253 allows some). */
const MAX_LINES = 10;

/**
 * Judges an SSH server's first words: the `SSH-2.0-` (or `SSH-1.99-`) identification is served; a
 * line that says the server is full (`Exceeded MaxStartups`, "too many") is its refusal.
 */
function judgeIdentification(received: Buffer): Judgement {
  const { lines, overlong } = completeLines(received, MAX_LINE);
  for (const line of lines) {
    if (/^SSH-(2\.0|1\.99)-/.test(line)) return SERVED;
    if (line.startsWith('SSH-')) return mismatch(`an SSH version this tool does not speak: ${printable(line, 60)}`);
    if (/maxstartups|too many|exceeded|refused|not allowed/i.test(line)) return denied(printable(line));
  }
  if (lines.length > MAX_LINES) return mismatch(`${lines.length} lines and no SSH identification`);
  return overlong ? mismatch(`a line longer than ${MAX_LINE} bytes before the identification`) : MORE;
}

export const ssh: Protocol = {
  name: 'SSH',
  schemes: ['ssh'],
  tlsSchemes: [],
  defaultPort: 22,
  served: 'the `SSH-2.0-` identification line',
  limitSetting:
    'sshd MaxStartups (sshd_config: unauthenticated connections at once; start:rate:full drops some before full) and MaxSessions',
  open: { send: () => Buffer.alloc(0), judge: judgeIdentification },
  heartbeat: { none: 'SSH has no request a client can send before it authenticates' },
};
