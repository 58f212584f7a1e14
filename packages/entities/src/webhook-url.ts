import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import ipaddr from 'ipaddr.js';

/**
 * The SSRF guard of webhook URLs, applied on create and update (the API answers `422` naming
 * `url`) and again at connect time (the delivery resolves the host itself, checks every address
 * and connects to a checked one, so a DNS answer that changed since — rebinding — cannot reach an
 * internal address). Only public unicast addresses pass (`ipaddr.js` classifies them): loopback,
 * RFC 1918, ULA, link-local (the cloud metadata address 169.254.169.254 among them), CGNAT,
 * multicast, unspecified, broadcast, reserved and the IPv6 transition ranges (IPv4-mapped,
 * 6to4, Teredo, NAT64) are refused. The WHATWG URL parser has already turned decimal, octal and
 * hex IPv4 forms (`http://2130706433/`, `http://0x7f.1/`) into dotted quads. `allowPrivate`
 * (`WEBHOOK_ALLOW_PRIVATE_NETWORKS=true`) lets every address through.
 */

/** Longest accepted webhook URL. */
export const WEBHOOK_URL_MAX_LENGTH = 2048;

/** Resolves a host name to all its addresses (`dns.lookup` with `all: true` by default). */
export type HostResolver = (host: string) => Promise<LookupAddress[]>;

export const systemResolver: HostResolver = (host) => dnsLookup(host, { all: true, verbatim: true });

/** Why a URL cannot be a webhook's, before any DNS: null when its form is fine. */
export function webhookUrlFormProblem(raw: string): string | null {
  if (raw.length > WEBHOOK_URL_MAX_LENGTH) return `url must be at most ${WEBHOOK_URL_MAX_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'url must be an absolute http or https URL, such as https://example.com/hooks';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `url must be an https or http URL (got "${url.protocol}")`;
  if (url.username || url.password) return 'url must not carry a user name or password';
  if (!url.hostname) return 'url must name a host';
  if (url.hash) return 'url must not carry a fragment (#...)';
  return null;
}

/** The URL's host without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** Why an address may not be connected to: null for a public unicast address. */
export function addressProblem(address: string): string | null {
  if (!ipaddr.isValid(address)) return `"${address}" is not an IP address`;
  // An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is judged as the IPv4 address it maps.
  const parsed = ipaddr.process(address);
  const range = parsed.range();
  return range === 'unicast' ? null : `${parsed.toString()} is a ${range} address`;
}

/** True for `localhost` and its subdomains, which always mean this machine (RFC 6761). */
function isLocalhostName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost');
}

export interface TargetCheck {
  /** Null when the target may be reached. */
  problem: string | null;
  /** The checked addresses to connect to (empty with a problem). */
  addresses: LookupAddress[];
}

/**
 * Resolves a URL's host and checks every address it resolves to (one private address is enough
 * to refuse: a client could be handed any of them).
 */
export async function checkWebhookTarget(url: URL, allowPrivate: boolean, resolve: HostResolver = systemResolver): Promise<TargetCheck> {
  const host = hostOf(url);
  if (ipaddr.isValid(host)) {
    const problem = allowPrivate ? null : addressProblem(host);
    return { problem: problem && `url ${problem}`, addresses: problem ? [] : [{ address: host, family: host.includes(':') ? 6 : 4 }] };
  }
  if (!allowPrivate && isLocalhostName(host)) return { problem: 'url must not point at localhost', addresses: [] };
  let addresses: LookupAddress[];
  try {
    addresses = await resolve(host);
  } catch (error) {
    return { problem: `url host ${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'lookup failed'})`, addresses: [] };
  }
  if (addresses.length === 0) return { problem: `url host ${host} does not resolve`, addresses: [] };
  if (!allowPrivate) {
    for (const { address } of addresses) {
      const problem = addressProblem(address);
      if (problem) return { problem: `url host ${host} resolves to ${problem}`, addresses: [] };
    }
  }
  return { problem: null, addresses };
}
