import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, type Dispatcher } from 'undici';

/**
 * Where the gateway may send student records (issue 13 finding 6, SSRF). A
 * state's exchange endpoint is a URL an administrator types in; without a
 * policy it could point at a loopback port, the cloud metadata address or any
 * host, and the worker would post records there. The policy:
 *
 * - `hosts`: per state, the host names its endpoints may use (`api.tea.example`
 *   exactly, or `*.tea.example` for any subdomain); null when the operator set
 *   no allow-list (development);
 * - `allowPrivate`: whether loopback, private, link-local and other
 *   non-public addresses may be reached (development and tests only). The host
 *   name is resolved and every address it resolves to is checked, at
 *   configuration time and again before every call.
 */
export interface OutboundPolicy {
  allowPrivate: boolean;
  hosts: Readonly<Record<string, readonly string[]>> | null;
  /** How host names are resolved, for the check and the connection alike; absent: the system's (tests inject one). */
  resolve?: Resolver;
}

/** Resolves a host name to all its addresses (injectable for tests). */
export type Resolver = (host: string) => Promise<string[]>;

const systemResolver: Resolver = async (host) => (await dnsLookup(host, { all: true })).map((a) => a.address);

function v4(ip: string): number[] | null {
  const parts = ip.split('.').map(Number);
  return parts.length === 4 && parts.every((n) => Number.isInteger(n) && n >= 0 && n <= 255) ? parts : null;
}

/** Loopback, private, link-local, shared, benchmarking, multicast and reserved addresses: never a state's API. */
export function isNonPublicAddress(ip: string): boolean {
  const a = v4(ip);
  if (a) {
    const [x, y] = a as [number, number, number, number];
    return (
      x === 0 ||
      x === 10 ||
      x === 127 ||
      (x === 100 && y >= 64 && y <= 127) ||
      (x === 169 && y === 254) ||
      (x === 172 && y >= 16 && y <= 31) ||
      (x === 192 && y === 168) ||
      (x === 192 && y === 0) ||
      (x === 198 && (y === 18 || y === 19)) ||
      x >= 224
    );
  }
  const s = ip.toLowerCase().replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (mapped) return isNonPublicAddress(mapped[1]!);
  if (s === '::' || s === '::1') return true;
  // fc00::/7 unique local, fe80::/10 link-local, ff00::/8 multicast, 64:ff9b::/96 may reach IPv4 inside.
  return /^(f[cd][0-9a-f]{0,2}:|fe[89ab][0-9a-f]?:|ff[0-9a-f]{0,2}:|64:ff9b:)/.test(s);
}

function hostAllowed(host: string, patterns: readonly string[]): boolean {
  const h = host.toLowerCase();
  return patterns.some((p) => {
    const q = p.toLowerCase();
    return q.startsWith('*.') ? h.endsWith(q.slice(1)) && h.length > q.length - 1 : h === q;
  });
}

/**
 * Why the gateway must not call `url` for `stateCode` under `policy`, or null
 * when it may. The message names the host, never what it resolved to beyond
 * "a non-public address" (an administrator learns nothing about the network).
 */
export async function outboundRefusal(
  url: string,
  stateCode: string,
  policy: OutboundPolicy,
  resolve: Resolver = policy.resolve ?? systemResolver,
): Promise<string | null> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'is not a URL';
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (policy.hosts) {
    const allowed = policy.hosts[stateCode.toUpperCase()] ?? [];
    if (!hostAllowed(host, allowed))
      return `${host} is not on ${stateCode.toUpperCase()}'s allow-list of exchange hosts (EXCHANGE_ENDPOINT_HOSTS)`;
  }
  if (policy.allowPrivate) return null;
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = await resolve(host);
    } catch {
      return `${host} does not resolve`;
    }
  }
  if (!addresses.length) return `${host} does not resolve`;
  if (addresses.some(isNonPublicAddress))
    return `${host} resolves to a loopback, private or link-local address, which the gateway never calls`;
  return null;
}

/** A connection the outbound policy refused at connect time: its host resolved to a non-public address. */
export class OutboundRefused extends Error {
  readonly code = 'EOUTBOUNDREFUSED';
  constructor(host: string) {
    super(`${host} resolves to a loopback, private or link-local address, which the gateway never calls`);
  }
}

/**
 * The DNS lookup the outbound connection itself uses (given to `net.connect`/`tls.connect` through the agent's
 * `connect.lookup`): it resolves the host once, refuses when any address it got is non-public, and hands the socket
 * exactly the addresses it checked. So the address checked is the address connected to: a DNS answer that changes
 * between the policy check before the attempt and the connection (rebinding) cannot reach a private address.
 */
export function pinnedLookup(resolve: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        if (!addresses.length) {
          callback(Object.assign(new Error(`${hostname} does not resolve`), { code: 'ENOTFOUND' }), '', 4);
          return;
        }
        if (addresses.some(isNonPublicAddress)) {
          callback(new OutboundRefused(hostname), '', 4);
          return;
        }
        const all = addresses.map((address) => ({ address, family: isIP(address) === 6 ? 6 : 4 }));
        const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
        const usable = wanted ? all.filter((a) => a.family === wanted) : all;
        if (!usable.length) {
          callback(Object.assign(new Error(`${hostname} has no IPv${wanted} address`), { code: 'ENOTFOUND' }), '', 4);
          return;
        }
        if (options.all) callback(null, usable);
        else callback(null, usable[0]!.address, usable[0]!.family);
      },
      (e: unknown) => callback(e as NodeJS.ErrnoException, '', 4),
    );
  };
}

const agents = new WeakMap<OutboundPolicy, Dispatcher>();

/**
 * The HTTP agent every outbound call of the exchange goes through under `policy`: with private addresses refused, its
 * connections resolve through {@link pinnedLookup} (with the policy's resolver); with them allowed (development), a
 * plain agent. One per policy, so connections are pooled across deliveries.
 */
export function outboundAgent(policy: OutboundPolicy): Dispatcher {
  let agent = agents.get(policy);
  if (!agent) {
    agent = policy.allowPrivate ? new Agent() : new Agent({ connect: { lookup: pinnedLookup(policy.resolve) } });
    agents.set(policy, agent);
  }
  return agent;
}

/** Reads EXCHANGE_ENDPOINT_HOSTS: a JSON object of state code to host patterns; empty means no allow-list. */
export function parseEndpointHosts(text: string): Record<string, string[]> | null {
  if (!text.trim()) return null;
  const parsed = JSON.parse(text) as unknown;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error('EXCHANGE_ENDPOINT_HOSTS must be a JSON object of state code to a list of host names');
  const out: Record<string, string[]> = {};
  for (const [state, hosts] of Object.entries(parsed)) {
    if (!Array.isArray(hosts) || !hosts.every((h) => typeof h === 'string'))
      throw new Error(`EXCHANGE_ENDPOINT_HOSTS.${state} must be a list of host names`);
    out[state.toUpperCase()] = hosts as string[];
  }
  return out;
}
