/**
 * The `/_events` feed (src/local/event-feed.ts) over a real socket: SSE frames, the keep-alive comment, and a client
 * that does not read — the feed buffers at most its bound for it, drops (and counts) the rest, and tells it so.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';
import { EventFeed } from '../../src/local/event-feed';

async function serve(feed: EventFeed): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => feed.attach(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((r) => { feed.close(); server.close(() => r()); server.closeAllConnections(); }),
  };
}

describe('EventFeed', () => {
  test('frames, and a keep-alive comment while idle', async () => {
    const feed = new EventFeed(50);
    const { url, close } = await serve(feed);
    try {
      let text = '';
      const res = await new Promise<http.IncomingMessage>((r) => http.get(url, r));
      expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      await new Promise((r) => setTimeout(r, 30));
      feed.publish('evt-1', 'orders.created', { detail: { id: 'evt-1' } });
      await new Promise((r) => setTimeout(r, 150));
      expect(text).toContain('id: evt-1\nevent: orders.created\ndata: {"detail":{"id":"evt-1"}}\n\n');
      expect(text).toContain(': keep-alive\n\n');
      res.destroy();
    } finally {
      await close();
    }
  });

  test('a client that does not read: bounded buffer, events dropped and counted, told when it reads again', async () => {
    const bound = 64 * 1024;
    const feed = new EventFeed(60_000, bound);
    const { url, close } = await serve(feed);
    try {
      const res = await new Promise<http.IncomingMessage>((r) => http.get(url, r));
      res.pause();
      await new Promise((r) => setTimeout(r, 20));
      const big = { detail: { data: 'x'.repeat(8 * 1024) } };
      for (let i = 0; i < 2000; i++) feed.publish(`e${i}`, 'orders.created', big);
      // ~16 MiB published; only the bound (plus what the sockets hold) was buffered for this client.
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.resume();
      await new Promise((r) => setTimeout(r, 300));
      const received = (text.match(/^id: /gm) ?? []).length;
      expect(received).toBeGreaterThan(0);
      expect(received).toBeLessThan(2000);
      const dropped = Number(/: (\d+) event\(s\) dropped: this client did not read fast enough/.exec(text)?.[1]);
      expect(received + dropped).toBe(2000);
      res.destroy();
    } finally {
      await close();
    }
  });
});
