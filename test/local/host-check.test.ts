import { hostCheck, hostName, isLoopbackBind } from '../../src/local/host-check';

describe('Host allow-list (DNS rebinding)', () => {
  test('host names: port and IPv6 brackets dropped, lower-cased; malformed headers have none', () => {
    expect(hostName('LocalHost:3000')).toBe('localhost');
    expect(hostName('[::1]:3000')).toBe('::1');
    expect(hostName('api.test.')).toBe('api.test');
    for (const bad of ['a b', 'user@host', 'host:port', '[::1', 'a/b']) expect(hostName(bad)).toBeUndefined();
  });

  test('by default: loopback names and addresses and the bind address only', () => {
    const ok = hostCheck('127.0.0.1', []);
    for (const h of ['localhost', 'localhost:3000', 'app.localhost:3000', '127.0.0.1:3000', '127.255.0.1', '[::1]:3000', '[::ffff:127.0.0.1]', undefined]) {
      expect([h, ok(h)]).toEqual([h, true]);
    }
    for (const h of ['rebind.attacker.example:3000', 'localhost.attacker.example', '10.0.0.5', '[::2]', '0.0.0.0', '', 'a b']) {
      expect([h, ok(h)]).toEqual([h, false]);
    }
  });

  test('--host and --allowed-host add names; a leading dot allows a domain and its subdomains; wildcard binds add nothing', () => {
    const ok = hostCheck('192.168.1.20', ['API.test', '.dev.test']);
    for (const h of ['192.168.1.20:3000', 'api.test', 'dev.test', 'a.b.dev.test:8080']) expect([h, ok(h)]).toEqual([h, true]);
    for (const h of ['x.api.test', 'notdev.test', 'dev.test.evil']) expect([h, ok(h)]).toEqual([h, false]);
    expect(hostCheck('0.0.0.0', [])('0.0.0.0:3000')).toBe(false);
    expect(hostCheck('::', [])('[::]:3000')).toBe(false);
  });

  test('loopback binds are told apart from ones other machines reach', () => {
    for (const a of ['127.0.0.1', 'localhost', '::1', '[::1]', '127.0.0.2']) expect([a, isLoopbackBind(a)]).toEqual([a, true]);
    for (const a of ['0.0.0.0', '::', '192.168.1.20', 'myhost.lan']) expect([a, isLoopbackBind(a)]).toEqual([a, false]);
  });
});
