/**
 * Reads a request body within the limits: never more than the payload limit per request, never more than a shared
 * byte budget over all requests in flight. A declared Content-Length is checked before a byte is read.
 */
import type { IncomingMessage } from 'http';

/** Bytes of request bodies held at once, over all requests of one server. */
export class ByteBudget {
  private used = 0;
  constructor(private readonly capacity: number) {}

  /** Takes `n` bytes; false (and nothing taken) when that would exceed the capacity. */
  take(n: number): boolean {
    if (this.used + n > this.capacity) return false;
    this.used += n;
    return true;
  }

  give(n: number): void {
    this.used = Math.max(0, this.used - n);
  }

  get inUse(): number {
    return this.used;
  }
}

export type BodyResult =
  | { readonly ok: true; readonly body: Buffer; readonly release: () => void }
  | { readonly ok: false; readonly reason: 'too-large' | 'busy' | 'aborted' };

/** The declared body length: undefined when there is none or it is chunked; NaN when the header is malformed. */
export function declaredLength(request: IncomingMessage): number | undefined {
  const raw = request.headers['content-length'];
  if (raw === undefined) return undefined;
  return /^\d+$/.test(raw) ? Number(raw) : NaN;
}

/** True when the request may still have body bytes on the wire (so a reply without reading them must close). */
export function hasPendingBody(request: IncomingMessage): boolean {
  if (request.complete) return false;
  const length = declaredLength(request);
  return length === undefined ? request.headers['transfer-encoding'] !== undefined : length !== 0;
}

/**
 * Reads the body. `too-large`: the declared or received length passed `maxBytes` (reading stops there); `busy`: the
 * budget has no room; `aborted`: the client went away. On success, `release` gives the bytes back to the budget.
 */
export function readBody(request: IncomingMessage, maxBytes: number, budget: ByteBudget): Promise<BodyResult> {
  const declared = declaredLength(request);
  if (declared !== undefined && (Number.isNaN(declared) || declared > maxBytes)) return Promise.resolve({ ok: false, reason: 'too-large' });
  let taken = 0;
  if (declared !== undefined) {
    if (!budget.take(declared)) return Promise.resolve({ ok: false, reason: 'busy' });
    taken = declared;
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (reason: 'too-large' | 'busy' | 'aborted') => {
      if (settled) return;
      settled = true;
      request.off('data', onData);
      request.pause();
      budget.give(taken);
      chunks.length = 0;
      resolve({ ok: false, reason });
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) return fail('too-large');
      if (size > taken) {
        if (!budget.take(size - taken)) return fail('busy');
        taken = size;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('end', () => {
      if (settled) return;
      settled = true;
      let released = false;
      resolve({ ok: true, body: Buffer.concat(chunks, size), release: () => { if (!released) { released = true; budget.give(taken); } } });
    });
    request.once('close', () => { if (!request.complete) fail('aborted'); });
    request.once('error', () => fail('aborted'));
  });
}
