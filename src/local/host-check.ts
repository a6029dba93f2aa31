/**
 * Host allow-list against DNS rebinding (the attack behind Vite's CVE-2025-24010): a web page on
 * `rebind.attacker.example` whose name is made to resolve to 127.0.0.1 can call the runner from the victim's browser
 * as a same-origin request — and IAM APIs are served unauthenticated locally. The `Host` header still names the
 * attacker's domain, so only names the runner knows to be the user's are accepted, as Vite's `server.allowedHosts`
 * does: loopback names and addresses, the `--host` address, and every `--allowed-host`.
 */
import { isIP } from 'net';

/** Decides whether a request's `Host` header is one the runner serves. */
export type HostCheck = (hostHeader: string | undefined) => boolean;

/** The host name of a `Host` header, lower-cased, without port or IPv6 brackets (undefined when malformed). */
export function hostName(hostHeader: string): string | undefined {
  const h = hostHeader.trim().toLowerCase();
  const bracketed = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(h);
  if (bracketed) return bracketed[1];
  const named = /^([^:\s/@[\]]+)(?::\d{1,5})?$/.exec(h);
  return named ? named[1].replace(/\.$/, '') : undefined;
}

/** True for names and addresses that always mean this machine: localhost, *.localhost, 127.0.0.0/8, ::1. */
export function isLoopbackName(name: string): boolean {
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  if (isIP(name) === 6) return name === '::1' || name === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(name);
  return false;
}

/** True when the address the runner listens on is reachable only from this machine. */
export function isLoopbackBind(address: string): boolean {
  return isLoopbackName(address.toLowerCase().replace(/^\[|\]$/g, ''));
}

/**
 * Builds the check. `allowed` entries are host names (`api.test`), or, with a leading dot, a domain and all its
 * subdomains (`.example.test`), as in Vite. A wildcard bind address (`0.0.0.0`, `::`) is not a name anyone connects
 * by, so it adds nothing. A request without `Host` (HTTP/1.0, never a browser) is accepted.
 */
export function hostCheck(bindHost: string, allowed: readonly string[]): HostCheck {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  for (const entry of [bindHost, ...allowed]) {
    const name = entry.trim().toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
    if (!name || name === '0.0.0.0' || name === '::') continue;
    if (name.startsWith('.')) {
      exact.add(name.slice(1));
      suffixes.push(name);
    } else {
      exact.add(name);
    }
  }
  return (hostHeader) => {
    if (hostHeader === undefined) return true;
    const name = hostName(hostHeader);
    if (name === undefined) return false;
    return isLoopbackName(name) || exact.has(name) || suffixes.some((s) => name.endsWith(s));
  };
}
