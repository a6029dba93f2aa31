/**
 * The fuzzer's HTTP client: real requests to the local runner over keep-alive connections, or, for what no client
 * library sends (a Content-Length that lies, two of them, one with Transfer-Encoding), written byte by byte on a
 * socket. Every response is checked against the API's document (the e2e suite's checker) and counted.
 */
import * as http from 'http';
import * as net from 'net';
import { OpenApiResponseChecker } from '../local/support/openapi-responses';

export type Lie = 'short-length' | 'long-length' | 'two-lengths' | 'length-and-chunked';

export interface WireRequest {
  readonly method: string;
  /** Path and query, already percent-encoded as sent. */
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  readonly lie?: Lie;
}

export interface WireResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** The parsed body, when JSON. */
  readonly json?: any;
}

export class Wire {
  public requests = 0;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

  constructor(private readonly baseUrl: string, private readonly checker: OpenApiResponseChecker) {}

  /** Sends one request; throws on a 5xx or a response the document does not allow. */
  public async send(req: WireRequest): Promise<WireResponse | undefined> {
    this.requests++;
    const res = req.lie ? await this.lying(req) : await this.plain(req);
    if (res === undefined) return undefined; // the connection was cut (a lie the server rightly did not answer)
    const where = `${req.method} ${req.path} → ${res.status}`;
    // A framing lie refused by the HTTP parser before any routing: an empty 400, as API Gateway's edge would refuse it.
    if (req.lie && res.status === 400 && res.body === '') return res;
    if (res.status >= 500) throw new Error(`5xx: ${where}: ${res.body.slice(0, 500)}`);
    const mismatches = this.checker.verify(req.method, this.baseUrl + req.path, {
      status: res.status, header: (n) => res.headers[n.toLowerCase()] ?? null, body: res.body,
    });
    if (mismatches.length) throw new Error(`contract: ${mismatches.join('; ')}`);
    return res;
  }

  public close(): void {
    this.agent.destroy();
  }

  private plain(req: WireRequest): Promise<WireResponse> {
    return new Promise((resolve, reject) => {
      const r = http.request(this.baseUrl + req.path, { method: req.method, headers: req.headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve(respond(res.statusCode!, res.headers, Buffer.concat(chunks).toString('utf8'))));
        res.on('error', reject);
      });
      r.on('error', reject);
      r.end(req.body);
    });
  }

  /** A request written by hand, on its own connection, with framing that lies; undefined when the server hangs up. */
  private lying(req: WireRequest): Promise<WireResponse | undefined> {
    const url = new URL(this.baseUrl);
    const body = Buffer.from(req.body ?? '');
    const head = [`${req.method} ${req.path} HTTP/1.1`, `Host: ${url.host}`, 'Connection: close',
      ...Object.entries(req.headers ?? {}).map(([k, v]) => `${k}: ${v}`)];
    switch (req.lie) {
      case 'short-length': head.push(`Content-Length: ${Math.max(0, body.length - 3)}`); break;
      case 'long-length': head.push(`Content-Length: ${body.length + 10}`); break;
      case 'two-lengths': head.push(`Content-Length: ${body.length}`, `Content-Length: ${body.length + 1}`); break;
      case 'length-and-chunked': head.push(`Content-Length: ${body.length}`, 'Transfer-Encoding: chunked'); break;
    }
    return new Promise((resolve) => {
      const socket = net.connect(Number(url.port), url.hostname);
      const chunks: Buffer[] = [];
      socket.setTimeout(3000, () => socket.destroy());
      socket.on('data', (c) => chunks.push(c));
      socket.on('error', () => {});
      socket.on('close', () => resolve(parseRaw(Buffer.concat(chunks))));
      socket.write(Buffer.concat([Buffer.from(head.join('\r\n') + '\r\n\r\n', 'latin1'), body]));
      // The long lie: the body never reaches the promised length; half-close so the server sees the end.
      if (req.lie === 'long-length') socket.end();
    });
  }
}

function respond(status: number, headers: http.IncomingHttpHeaders, body: string): WireResponse {
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
  let json: any;
  try {
    json = body ? JSON.parse(body) : undefined;
  } catch {
    json = undefined;
  }
  return { status, headers: flat, body, json };
}

/** The first response on a raw connection (Content-Length framed, which is how the runner answers). */
function parseRaw(raw: Buffer): WireResponse | undefined {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const lines = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0])?.[1]);
  if (!status) return undefined;
  const headers: http.IncomingHttpHeaders = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  return respond(status, headers, raw.subarray(end + 4, end + 4 + length).toString('utf8'));
}
