/**
 * `GET /_events`: every change event an API publishes locally, live, as Server-Sent Events — one `message` per event,
 * its `id` the event's CloudEvents id, its `event` the detail-type, its `data` the EventBridge envelope as JSON.
 *
 * A comment line every {@link KEEP_ALIVE_MS} keeps proxies and the browser's EventSource from closing an idle feed. A
 * client that does not read is never waited for: once it has {@link MAX_PENDING_BYTES} unsent, further events are
 * dropped for it (counted), and it is told how many in a comment when it reads again.
 */
import type * as http from 'http';

export const EVENTS_PATH = '/_events';

/** Keep-alive comment interval. */
export const KEEP_ALIVE_MS = 15_000;

/** Unsent bytes per client beyond which its events are dropped (the feed never buffers without bound). */
export const MAX_PENDING_BYTES = 1024 * 1024;

interface Client {
  readonly response: http.ServerResponse;
  dropped: number;
}

export class EventFeed {
  private readonly clients = new Set<Client>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly keepAliveMs = KEEP_ALIVE_MS, private readonly maxPendingBytes = MAX_PENDING_BYTES) {
    this.timer = setInterval(() => this.comment('keep-alive'), keepAliveMs);
    this.timer.unref();
  }

  /** Number of connected clients. */
  get size(): number {
    return this.clients.size;
  }

  /** Serves a client: the SSE headers, a first comment, then every event published until it disconnects. */
  attach(request: http.IncomingMessage, response: http.ServerResponse): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      'connection': 'keep-alive',
    });
    const client: Client = { response, dropped: 0 };
    this.clients.add(client);
    response.write(`: change events of this API; a comment every ${Math.round(this.keepAliveMs / 1000)} s keeps the feed open\nretry: 1000\n\n`);
    const remove = () => this.clients.delete(client);
    request.on('close', remove);
    response.on('close', remove);
    response.on('drain', () => {
      if (client.dropped > 0) {
        response.write(`: ${client.dropped} event(s) dropped: this client did not read fast enough\n\n`);
        client.dropped = 0;
      }
    });
  }

  /** Sends one event to every client. */
  publish(id: string, type: string, envelope: unknown): void {
    if (this.clients.size === 0) return;
    const frame = `id: ${oneLine(id)}\nevent: ${oneLine(type)}\ndata: ${JSON.stringify(envelope)}\n\n`;
    for (const c of this.clients) {
      if (c.response.writableLength > this.maxPendingBytes) {
        c.dropped++;
        continue;
      }
      c.response.write(frame);
    }
  }

  /** Ends every client's feed. */
  close(): void {
    clearInterval(this.timer);
    for (const c of this.clients) c.response.end();
    this.clients.clear();
  }

  private comment(text: string): void {
    for (const c of this.clients) if (c.response.writableLength <= this.maxPendingBytes) c.response.write(`: ${text}\n\n`);
  }
}

/** SSE fields end at a line break: ids and types never contain one here, but a stray one must not split a frame. */
function oneLine(s: string): string {
  return s.replace(/[\r\n]/g, ' ');
}
