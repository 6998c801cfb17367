import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/**
 * Where webhooks may go (issue 12, "Security"). A merchant names the URL, so without a check Hutong
 * would connect wherever it is told: its own database port on 127.0.0.1, the cloud metadata service
 * at 169.254.169.254, the operator's private network. Private, loopback, link-local, unspecified,
 * shared (CGNAT), multicast and reserved addresses are refused — at registration for literal
 * addresses and names that resolve, and again at every delivery on the addresses the connection
 * actually uses (see `guardedLookup`), so a name that later rebinds to 127.0.0.1 is refused too.
 *
 * The operator's allow-list (HUTONG_WEBHOOK_ALLOWED_HOSTS) names hosts that may be private anyway:
 * the sandbox receivers of a development machine (`127.0.0.1`, `localhost`).
 */
export interface DestinationPolicy {
  /** Host names or IP literals, lower-case, exempt from the address check. */
  readonly allowedHosts: readonly string[];
}

export const strictDestinations: DestinationPolicy = { allowedHosts: [] };
/** For tests and embeddings that construct the events module alone: no check at all. */
export const anyDestination: DestinationPolicy & { readonly unchecked: true } = { allowedHosts: [], unchecked: true };

/** Names that always mean this machine or the metadata service, whatever DNS says. */
const forbiddenNames = [/^localhost$/i, /\.localhost$/i, /^metadata\.google\.internal$/i, /^metadata$/i];

/** IPv4 ranges no webhook goes to: [network, prefix length]. Source: IANA special-purpose registry (RFC 6890). */
const forbiddenV4: readonly [string, number][] = [
  ['0.0.0.0', 8], // "this network", incl. 0.0.0.0
  ['10.0.0.0', 8], // private (RFC 1918)
  ['100.64.0.0', 10], // shared address space (CGNAT)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, incl. the 169.254.169.254 metadata service
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, incl. 255.255.255.255
];

function v4ToInt(address: string): number {
  return address.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function forbiddenV4Address(address: string): boolean {
  const n = v4ToInt(address);
  return forbiddenV4.some(([network, bits]) => {
    const size = 2 ** (32 - bits);
    const start = v4ToInt(network);
    return n >= start && n < start + size;
  });
}

/** Expands an IPv6 literal to its 8 groups (numbers), or undefined if it is not one. */
function v6Groups(address: string): number[] | undefined {
  let text = address
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .split('%')[0] as string;
  // A dotted IPv4 tail (::ffff:127.0.0.1) becomes two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted !== null) {
    const n = v4ToInt(dotted[1] as string);
    text = text.slice(0, dotted.index) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? (text.split('::') as [string, string]) : [text, undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? left.length !== 8 : missing < 1) return undefined;
  const groups = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

function forbiddenV6Address(address: string): boolean {
  const g = v6Groups(address);
  if (g === undefined) return true;
  const [a, b, c, d, e, f, h, i] = g as [number, number, number, number, number, number, number, number];
  const embeddedV4 = `${h >> 8}.${h & 0xff}.${i >> 8}.${i & 0xff}`;
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0) {
    if (f === 0 && h === 0 && (i === 0 || i === 1)) return true; // :: and ::1
    if (f === 0xffff || f === 0) return forbiddenV4Address(embeddedV4); // IPv4-mapped and -compatible
  }
  if (a === 0x64 && b === 0xff9b) return forbiddenV4Address(embeddedV4); // NAT64
  if ((a & 0xfe00) === 0xfc00) return true; // unique local fc00::/7
  if ((a & 0xffc0) === 0xfe80) return true; // link-local fe80::/10
  if ((a & 0xffc0) === 0xfec0) return true; // site-local (deprecated) fec0::/10
  if ((a & 0xff00) === 0xff00) return true; // multicast
  if (a === 0x2001 && b === 0x0db8) return true; // documentation
  return false;
}

/** Whether a resolved address is one no webhook may reach. */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address.replace(/^\[|\]$/g, ''));
  if (family === 4) return forbiddenV4Address(address);
  if (family === 6) return forbiddenV6Address(address);
  return true;
}

function allowed(policy: DestinationPolicy, host: string): boolean {
  return 'unchecked' in policy || policy.allowedHosts.includes(host.toLowerCase().replace(/^\[|\]$/g, ''));
}

/**
 * Registration: a literal address or a well-known local name is refused at once; a name is resolved
 * and refused if any of its addresses is forbidden. A name that does not resolve (yet) is accepted:
 * every delivery checks again.
 */
export async function destinationProblem(policy: DestinationPolicy, url: URL): Promise<string | undefined> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (allowed(policy, host)) return undefined;
  if (forbiddenNames.some((pattern) => pattern.test(host))) return `the host ${host} is this machine or a metadata service`;
  if (isIP(host) !== 0) return isForbiddenAddress(host) ? `the address ${host} is private, loopback or link-local` : undefined;
  let addresses: { address: string }[];
  try {
    addresses = await lookup(host, { all: true, verbatim: true });
  } catch {
    return undefined;
  }
  const bad = addresses.find((a) => isForbiddenAddress(a.address));
  return bad === undefined ? undefined : `the host ${host} resolves to ${bad.address}, a private, loopback or link-local address`;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | { address: string; family: number }[],
  family?: number,
) => void;

/**
 * A `lookup` for http.request: resolves as Node would, then fails the connection if the address it
 * is about to use is forbidden. The check and the connection use the same answer, so DNS cannot
 * rebind between them.
 */
export function guardedLookup(policy: DestinationPolicy) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback): void => {
    const all = options.all === true;
    lookup(hostname, { all: true, verbatim: true, family: options.family ?? 0 })
      .then((addresses) => {
        if (
          !allowed(policy, hostname) &&
          (forbiddenNames.some((p) => p.test(hostname)) || addresses.some((a) => isForbiddenAddress(a.address)))
        ) {
          const error = Object.assign(
            new Error(`webhook destination refused: ${hostname} resolves to a private, loopback or link-local address`),
            {
              code: 'EDESTINATIONREFUSED',
            },
          );
          callback(error, all ? [] : '', 0);
          return;
        }
        if (all) callback(null, addresses);
        else callback(null, (addresses[0] as { address: string }).address, (addresses[0] as { family: number }).family);
      })
      .catch((error: NodeJS.ErrnoException) => callback(error, all ? [] : '', 0));
  };
}
