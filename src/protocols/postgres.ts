import {
  denied,
  MORE,
  mismatch,
  type Judgement,
  type Protocol,
  type ProtocolParams,
  printable,
  SERVED,
} from './protocol.js';

/** Backend messages longer than this are not read (the ones judged here are short). */
const MAX_MESSAGE = 2048;

/** Returns the StartupMessage (protocol 3.0) for the URL's user and database. */
function startup(p: ProtocolParams): Buffer {
  const user = p.user || 'postgres';
  const pairs = ['user', user, 'database', p.path || user, 'application_name', 'goon-probe'];
  const body = Buffer.from(`${pairs.join('\0')}\0\0`);
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + body.length, 0);
  head.writeInt32BE(196608, 4);
  return Buffer.concat([head, body]);
}

const AUTH_NAMES: Readonly<Record<number, string>> = {
  3: 'a cleartext password',
  5: 'an MD5 password',
  10: 'SASL (SCRAM-SHA-256)',
  7: 'GSSAPI',
  9: 'SSPI',
};

/** Returns `53300 sorry, too many clients already` from an ErrorResponse's fields. */
function errorText(body: Buffer): string {
  const fields: Record<string, string> = {};
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const end = body.indexOf(0, at + 1);
    if (end < 0) break;
    fields[String.fromCharCode(body[at] as number)] = body.toString('utf8', at + 1, end);
    at = end + 1;
  }
  return printable(`${fields.C ?? ''} ${fields.M ?? ''}`.trim() || 'an error without a message');
}

/**
 * Walks the whole backend messages at the start of `received`, handing each one's type and body to
 * `judge` until it decides; `more` when the bytes run out first, a mismatch on a length that is no
 * message's.
 */
function walkMessages(received: Buffer, judge: (type: string, body: Buffer) => Judgement | null): Judgement {
  for (let at = 0; received.length - at >= 5; ) {
    const type = String.fromCharCode(received[at] as number);
    const length = received.readInt32BE(at + 1);
    if (length < 4 || length > MAX_MESSAGE)
      return mismatch(`not a PostgreSQL message (type ${JSON.stringify(type)}, length ${length})`);
    if (received.length - at < 1 + length) return MORE;
    const decided = judge(type, received.subarray(at + 5, at + 1 + length));
    if (decided) return decided;
    at += 1 + length;
  }
  return MORE;
}

/**
 * Judges the replies to the StartupMessage: an ErrorResponse is the server's refusal (its SQLSTATE
 * and message); ReadyForQuery is served; so is an authentication request, unless the connection
 * must end in a session (--heartbeat), which this tool cannot open with a password.
 */
function judgeStartup(received: Buffer, p: ProtocolParams): Judgement {
  return walkMessages(received, (type, body) => {
    if (type === 'E') return denied(errorText(body));
    if (type === 'Z') return SERVED;
    if (type === 'R') {
      const code = body.length >= 4 ? body.readInt32BE(0) : -1;
      if (code === 0) return null;
      if (!p.session) return SERVED;
      return mismatch(
        `the server asks for ${AUTH_NAMES[code] ?? `authentication ${code}`}; --heartbeat needs a session, and this tool sends no password: let the probing user in with trust, or drop --heartbeat`,
      );
    }
    return 'NSK'.includes(type)
      ? null
      : mismatch(`an unexpected PostgreSQL message ${JSON.stringify(type)} at startup`);
  });
}

/** Judges the reply to Sync: ReadyForQuery is served; an ErrorResponse is the server's refusal. */
function judgeSync(received: Buffer): Judgement {
  return walkMessages(received, (type, body) =>
    type === 'Z' ? SERVED : type === 'E' ? denied(errorText(body)) : null,
  );
}

export const postgres: Protocol = {
  name: 'PostgreSQL',
  schemes: ['postgres', 'postgresql'],
  tlsSchemes: [],
  defaultPort: 5432,
  served: 'the StartupMessage answered by an authentication request or ReadyForQuery',
  limitSetting:
    'PostgreSQL max_connections (postgresql.conf; superuser_reserved_connections are kept back, and the kernel and shared-memory limits it needs), or a pooler (PgBouncer) in front',
  open: { send: startup, judge: judgeStartup },
  heartbeat: { send: () => Buffer.from([0x53, 0, 0, 0, 4]), judge: judgeSync },
};
