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

/** Response heads longer than this are not read as HTTP. */
const MAX_HEAD = 3072;

/** Returns the request line and headers of a keep-alive request to the URL's path. */
export function httpRequest(p: ProtocolParams, extra: readonly string[] = []): string {
  const host = p.host.includes(':') ? `[${p.host}]` : p.host;
  const auth =
    p.user !== undefined || p.password !== undefined
      ? [`Authorization: Basic ${Buffer.from(`${p.user ?? ''}:${p.password ?? ''}`).toString('base64')}`]
      : [];
  return [
    `GET ${p.path || '/'} HTTP/1.1`,
    `Host: ${host}:${p.port}`,
    'User-Agent: goon-probe',
    ...auth,
    ...extra,
    '',
    '',
  ].join('\r\n');
}

/** A response head: its status and reason, and where its body starts in the bytes. */
export interface ResponseHead {
  readonly status: number;
  readonly reason: string;
  readonly bodyAt: number;
}

/**
 * Reads the first response head in `received`: null when it is not all in yet, or a mismatch. The
 * reply to a request on a fresh connection must start with it. A heartbeat's reply may follow the
 * rest of an earlier body (`afterBody`), so there the head starts at the first `HTTP/1.` that
 * begins a line.
 */
export function readHead(received: Buffer, afterBody = false): ResponseHead | null | Judgement {
  let start = 0;
  if (!afterBody) {
    const first = received.toString('latin1', 0, 5);
    if (!'HTTP/'.startsWith(first))
      return mismatch(`not an HTTP response: ${JSON.stringify(printable(received.toString('latin1', 0, 40), 40))}`);
  } else if (!received.subarray(0, 5).equals(Buffer.from('HTTP/'))) {
    const at = received.indexOf('\nHTTP/1.');
    if (at < 0) return received.length > MAX_HEAD ? mismatch(`no response head within ${MAX_HEAD} bytes`) : null;
    start = at + 1;
  }
  const end = received.indexOf('\r\n\r\n', start);
  if (end < 0) return received.length - start > MAX_HEAD ? mismatch(`a response head over ${MAX_HEAD} bytes`) : null;
  const line = received.toString('latin1', start, received.indexOf('\r\n', start));
  const status = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(line);
  if (!status) return mismatch(`not an HTTP status line: ${JSON.stringify(printable(line, 60))}`);
  return { status: Number(status[1]), reason: status[2] ?? '', bodyAt: end + 4 };
}

const isJudgement = (x: ResponseHead | Judgement): x is Judgement => 'kind' in x;

/** Returns true when the status counts as served: one of --http-status's ranges, or by default any but 503 (the server saying it is full). */
function isServedStatus(status: number, p: ProtocolParams): boolean {
  return p.servedStatus ? p.servedStatus.some(([low, high]) => status >= low && status <= high) : status !== 503;
}

/**
 * Judges an HTTP response: a whole status line and headers with a served status is served; any
 * other status is the server's refusal, with the first line of the body when it came.
 */
function judgeResponse(received: Buffer, p: ProtocolParams, afterBody = false): Judgement {
  const head = readHead(received, afterBody);
  if (head === null) return MORE;
  if (isJudgement(head)) return head;
  if (isServedStatus(head.status, p)) return SERVED;
  const body = received
    .toString('latin1', head.bodyAt)
    .split(/\r?\n/)
    .find((l) => l.trim() !== '');
  return denied(
    `${head.status} ${printable(head.reason, 60)}${body ? `: ${printable(body.replace(/<[^>]*>/g, ' '), 100)}` : ''}`.trim(),
  );
}

export const http: Protocol = {
  name: 'HTTP',
  schemes: ['http'],
  tlsSchemes: ['https'],
  defaultPort: 80,
  defaultTlsPort: 443,
  served: 'a whole status line and headers to a keep-alive `GET` (503 is a refusal)',
  limitSetting:
    "the server's connection limit (nginx worker_connections and worker_rlimit_nofile, Apache MaxRequestWorkers, HAProxy maxconn)",
  open: { send: (p) => Buffer.from(httpRequest(p)), judge: (received, p) => judgeResponse(received, p) },
  heartbeat: { send: (p) => Buffer.from(httpRequest(p)), judge: (received, p) => judgeResponse(received, p, true) },
};

export { isJudgement };
