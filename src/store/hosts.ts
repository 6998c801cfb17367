/**
 * Multi-host PostgreSQL URLs, as libpq takes them:
 * `postgres://user:pass@h1:5432,h2:5433,h3/db?target_session_attrs=read-write`.
 * node-postgres connects to one host only, so the store splits such a URL into one connection
 * string per host and picks the host itself (see failover.ts).
 */
export type SessionAttrs = 'any' | 'read-write' | 'primary';

export interface PostgresHost {
  /** `host:port`, for messages. */
  readonly label: string;
  /** A single-host connection string for node-postgres. */
  readonly url: string;
}

export interface PostgresTargets {
  readonly hosts: readonly PostgresHost[];
  readonly sessionAttrs: SessionAttrs;
}

const urlPattern = /^(postgres(?:ql)?):\/\/(?:([^@/?#]*)@)?([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/;
const sessionAttrValues: readonly SessionAttrs[] = ['any', 'read-write', 'primary'];
const defaultPort = 5432;

function splitHost(text: string, url: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const plain = /^([^:[\]]+)(?::(\d+))?$/.exec(text);
  const match = bracketed ?? plain;
  if (match === null) throw new Error(`DATABASE_URL: cannot read the host ${JSON.stringify(text)} in ${redact(url)}`);
  const port = match[2] === undefined ? defaultPort : Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`DATABASE_URL: bad port in ${JSON.stringify(text)}`);
  return { host: bracketed === null ? (match[1] as string) : `[${match[1] as string}]`, port };
}

/** The URL without its password, for error messages. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/**
 * Splits a PostgreSQL URL into its hosts. `target_session_attrs` is taken out of the query (the
 * driver does not know it); every other parameter is kept on each host's URL.
 */
export function parsePostgresTargets(url: string): PostgresTargets {
  const match = urlPattern.exec(url);
  if (match === null) throw new Error(`DATABASE_URL: not a PostgreSQL URL: ${redact(url)}`);
  const [, scheme, userinfo, hostList, path, query] = match;
  const params = new URLSearchParams(query ?? '');
  const attrs = params.get('target_session_attrs') ?? 'any';
  params.delete('target_session_attrs');
  if (!(sessionAttrValues as readonly string[]).includes(attrs)) {
    throw new Error(`DATABASE_URL: target_session_attrs must be one of ${sessionAttrValues.join(', ')} (got ${JSON.stringify(attrs)})`);
  }
  const rest = params.toString();
  const texts = (hostList ?? '').split(',').filter((h) => h !== '');
  if (texts.length === 0) texts.push(`localhost:${defaultPort}`);
  const hosts = texts.map((text) => {
    const { host, port } = splitHost(text, url);
    return {
      label: `${host}:${port}`,
      url: `${scheme as string}://${userinfo === undefined ? '' : `${userinfo}@`}${host}:${port}${path ?? ''}${rest === '' ? '' : `?${rest}`}`,
    };
  });
  return { hosts, sessionAttrs: attrs as SessionAttrs };
}
