import { completeLines, denied, MORE, mismatch, type Judgement, type Protocol, printable, SERVED } from './protocol.js';

const MAX_LINE = 1024;
/** Greeting lines read at most (a multi-line `220-` greeting). */
const MAX_LINES = 20;

/**
 * Judges an SMTP reply: `expected` (220 for the greeting, 250 for NOOP) is served once its last
 * line (`220 ` rather than `220-`) is in; 421 or any 4xx/5xx is the server's refusal, with its text.
 */
function judgeReply(expected: string): (received: Buffer) => Judgement {
  return (received) => {
    const { lines, overlong } = completeLines(received, MAX_LINE);
    for (const [i, line] of lines.entries()) {
      const code = /^(\d{3})([ -]|$)/.exec(line);
      if (!code) return mismatch(`not an SMTP reply: ${JSON.stringify(printable(line, 60))}`);
      if (code[2] === '-') {
        if (i >= MAX_LINES) return mismatch(`a reply of more than ${MAX_LINES} lines`);
        continue;
      }
      if (code[1] === expected) return SERVED;
      if (/^[45]/.test(code[1] as string)) return denied(printable(line));
      return mismatch(`SMTP ${printable(line, 60)}, where ${expected} was expected`);
    }
    return overlong ? mismatch(`a reply line longer than ${MAX_LINE} bytes`) : MORE;
  };
}

export const smtp: Protocol = {
  name: 'SMTP',
  schemes: ['smtp'],
  tlsSchemes: [],
  defaultPort: 25,
  served: 'a `220` greeting',
  limitSetting:
    "the mail server's connection limit (Postfix default_process_limit and smtpd_client_connection_count_limit, Exim smtp_accept_max)",
  open: { send: () => Buffer.alloc(0), judge: judgeReply('220') },
  heartbeat: { send: () => Buffer.from('NOOP\r\n'), judge: judgeReply('250') },
};
