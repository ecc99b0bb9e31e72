import { BlockList, isIP } from 'node:net';

/** Longest webhook URL accepted. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv6');
}

/**
 * Whether an IP address is on the public internet: not loopback, private, shared, link-local
 * (cloud metadata services), documentation, multicast or reserved. IPv4-mapped IPv6 addresses are
 * judged by their IPv4 part.
 */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !NON_PUBLIC.check(address, 'ipv4');
  if (family !== 6) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isPublicAddress(mapped[1]);
  return !NON_PUBLIC.check(address, 'ipv6');
}

/** A URL's host as an IP address when it is one (IPv6 without its brackets), else null. */
export function literalAddress(url: URL): string | null {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return isIP(host) ? host : null;
}

/**
 * Why a webhook URL is refused, or null when it is acceptable: absolute http(s), no user name or
 * password (the signature authenticates the platform; credentials would sit in logs and in every
 * dashboard that shows the URL), no fragment, at most 2048 characters, and, unless private
 * networks are allowed, no host that is plainly not public (`localhost`, a private IP). Names
 * that resolve to private addresses are refused again at each connection (WebhookSender).
 */
export function webhookUrlProblem(raw: string, allowPrivateNetworks: boolean): string | null {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) return 'url is longer than 2048 characters';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'url is not an absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'url must be http or https';
  if (url.username !== '' || url.password !== '') return 'url must not carry credentials';
  if (url.hash !== '' || raw.includes('#')) return 'url must not have a fragment';
  if (!allowPrivateNetworks) {
    const address = literalAddress(url);
    const host = url.hostname.toLowerCase();
    if (
      (address !== null && !isPublicAddress(address)) ||
      host === 'localhost' ||
      host.endsWith('.localhost')
    ) {
      return 'url must point at a public address';
    }
  }
  return null;
}
