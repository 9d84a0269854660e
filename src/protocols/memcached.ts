import { completeLines, denied, MORE, mismatch, type Judgement, type Protocol, printable, SERVED } from './protocol.js';

const MAX_LINE = 1024;

/** Judges memcached's reply to `version`: `VERSION …` is served; `ERROR …`/`SERVER_ERROR …` is its refusal. */
function judgeVersion(received: Buffer): Judgement {
  const { lines, overlong } = completeLines(received, MAX_LINE);
  const line = lines[0];
  if (line === undefined) return overlong ? mismatch(`a reply line longer than ${MAX_LINE} bytes`) : MORE;
  if (line.startsWith('VERSION ')) return SERVED;
  if (/^(SERVER_|CLIENT_)?ERROR\b/.test(line)) return denied(printable(line));
  return mismatch(`not a memcached reply: ${JSON.stringify(printable(line, 60))}`);
}

export const memcached: Protocol = {
  name: 'memcached',
  schemes: ['memcached'],
  tlsSchemes: [],
  defaultPort: 11211,
  served: '`version` answered `VERSION`',
  limitSetting: 'memcached -c (maxconns; the server refuses past it with "ERROR Too many open connections")',
  open: { send: () => Buffer.from('version\r\n'), judge: judgeVersion },
  heartbeat: { send: () => Buffer.from('version\r\n'), judge: judgeVersion },
};
