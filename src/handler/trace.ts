/**
 * X-Ray: each DynamoDB call of a sampled request as a subsegment of the function's segment, sent to the X-Ray daemon
 * Lambda runs beside the function.
 *
 * Lambda (active tracing) creates the function's segment and hands its trace id and segment id to the invocation in
 * `_X_AMZN_TRACE_ID` (`Root=1-…;Parent=<segment id>;Sampled=1`). A subsegment sent on its own names that segment as
 * `parent_id` and the trace as `trace_id` (an "independent subsegment" of the segment document format), so X-Ray
 * shows the calls inside the function's segment and DynamoDB as a node of the service map. One UDP datagram per call
 * to `AWS_XRAY_DAEMON_ADDRESS`, as the daemon protocol has it: the header `{"format":"json","version":1}`, a newline,
 * the document. Nothing is sent, and no socket opened, when the request is not sampled or there is no daemon (tracing
 * off, the local runner).
 *
 * Why not the X-Ray SDK: `aws-xray-sdk-core`'s SDK v3 capture added about 20 ms to module load and 115 KB to the
 * bundle (measured, see the issue #23 note), more than the cold-start budget of the whole feature.
 */
import { randomBytes } from 'crypto';
import * as dgram from 'dgram';
import { isIP } from 'net';
import type { DynamoCall } from './dynamodb-calls';

/** The trace header of the invocation, parsed. */
export interface TraceHeader {
  /** `Root`: the trace id (`1-5759e988-bd862e3fe1be46a994272793`). */
  readonly traceId: string;
  /** `Parent`: the function segment's id (16 hex digits). */
  readonly parentId?: string;
  /** `Sampled=1`. */
  readonly sampled: boolean;
}

/** Parses `Root=…;Parent=…;Sampled=…` (any order, other fields ignored); undefined without a valid Root. */
export function parseTraceHeader(header: string | undefined): TraceHeader | undefined {
  if (!header) return undefined;
  const fields = new Map<string, string>();
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const traceId = fields.get('Root');
  if (!traceId || !/^1-[0-9a-f]{8}-[0-9a-f]{24}$/.test(traceId)) return undefined;
  const parentId = fields.get('Parent');
  return {
    traceId,
    ...(parentId && /^[0-9a-f]{16}$/.test(parentId) ? { parentId } : {}),
    sampled: fields.get('Sampled') === '1',
  };
}

/** Where the daemon listens: `host:port`, or the `udp:host:port tcp:host:port` form; undefined when unusable. */
export function parseDaemonAddress(value: string | undefined): { host: string; port: number } | undefined {
  if (!value) return undefined;
  const parts = value.trim().split(/\s+/);
  const udp = parts.find((p) => p.startsWith('udp:'))?.slice(4) ?? (parts.length === 1 && !parts[0].startsWith('tcp:') ? parts[0] : undefined);
  if (!udp) return undefined;
  const colon = udp.lastIndexOf(':');
  const host = udp.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(udp.slice(colon + 1));
  if (colon <= 0 || !host || !Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  return { host, port };
}

/** The header of every datagram the daemon accepts. */
const DAEMON_HEADER = '{"format":"json","version":1}\n';

/** What sends datagrams (a UDP socket; tests may pass their own). */
export type DatagramSender = (message: string, port: number, host: string) => void;

/** Sends the subsegments of sampled requests to one daemon. */
export class XRayEmitter {
  /** The emitter of the environment: undefined without a usable `AWS_XRAY_DAEMON_ADDRESS`. */
  public static fromEnvironment(env: NodeJS.ProcessEnv): XRayEmitter | undefined {
    const daemon = parseDaemonAddress(env.AWS_XRAY_DAEMON_ADDRESS);
    return daemon ? new XRayEmitter(daemon, env.AWS_REGION) : undefined;
  }

  private socket?: dgram.Socket;

  constructor(
    private readonly daemon: { host: string; port: number },
    private readonly region: string | undefined,
    private readonly sender?: DatagramSender,
  ) {}

  /** Sends one call of a sampled request as a subsegment of the function's segment. */
  public emit(trace: TraceHeader, call: DynamoCall): void {
    if (!trace.sampled || trace.parentId === undefined) return;
    const message = DAEMON_HEADER + JSON.stringify(subsegmentOf(trace, call, this.region));
    this.send(message);
  }

  /**
   * Opens the socket (once per execution environment) when a sampled request starts, so that it is bound by the time
   * the first call ends: a send then leaves within a tick, before Lambda freezes the environment after the response.
   */
  public prepare(): void {
    if (this.sender || this.socket) return;
    this.socket = dgram.createSocket({ type: this.daemon.host.includes(':') ? 'udp6' : 'udp4', lookup: lookupDaemon });
    // Never keep the process alive, never crash it: a lost datagram is a lost subsegment, nothing more.
    this.socket.unref();
    this.socket.on('error', () => undefined);
    this.socket.bind(0);
  }

  private send(message: string) {
    if (this.sender) return this.sender(message, this.daemon.port, this.daemon.host);
    this.prepare();
    this.socket!.send(message, this.daemon.port, this.daemon.host, () => undefined);
  }
}

/**
 * dgram's address lookup (for bind and for every send): an IP address is itself — Lambda's daemon address is one —
 * so the socket never loads Node's `dns` module for it (its default lookup does, in the first sampled request: measured
 * at 1–6 ms of that request's time, the largest part of what tracing added to a cold start, #23). A host name still
 * goes to DNS.
 */
const lookupDaemon: NonNullable<dgram.SocketOptions['lookup']> = (hostname, options, callback) => {
  const version = isIP(hostname);
  if (version !== 0) {
    process.nextTick(callback, null, hostname, version);
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('dns') as typeof import('dns')).lookup(hostname, options, callback);
};

/** The subsegment document of one DynamoDB call. */
export function subsegmentOf(trace: TraceHeader, call: DynamoCall, region: string | undefined): Record<string, unknown> {
  const aws: Record<string, unknown> = {
    operation: call.operation,
    ...(region ? { region } : {}),
    ...(call.requestId ? { request_id: call.requestId } : {}),
    retries: call.attempts - 1,
    ...(call.tables.length === 1 ? { table_name: call.tables[0] } : { table_names: call.tables }),
    ...(call.indexName ? { index_name: call.indexName } : {}),
    ...(call.consumed.length ? { consumed_capacity: call.consumed.length === 1 ? call.consumed[0] : call.consumed } : {}),
  };
  const status = call.status;
  const doc: Record<string, unknown> = {
    name: 'DynamoDB',
    id: randomBytes(8).toString('hex'),
    trace_id: trace.traceId,
    parent_id: trace.parentId,
    type: 'subsegment',
    namespace: 'aws',
    start_time: call.startMs / 1000,
    end_time: call.endMs / 1000,
    aws,
    ...(status !== undefined ? { http: { response: { status } } } : {}),
    ...(call.conditionFailed ? { annotations: { condition_failed: true } } : {}),
  };
  if (call.error) {
    // X-Ray's flags: fault for 5xx, throttle (with error) for throttling, error for other 4xx.
    if (call.error.fault) doc.fault = true;
    else doc.error = true;
    if (call.throttled) doc.throttle = true;
    doc.cause = { exceptions: [{ id: randomBytes(8).toString('hex'), type: call.error.name, message: call.error.message, remote: true }] };
  }
  return doc;
}
