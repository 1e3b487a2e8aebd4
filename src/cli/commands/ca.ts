import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { StewardClient } from '../client.js';
import type { CommandSpec } from '../command.js';
import { CliError } from '../errors.js';
import { formatDuration } from '../output/age.js';
import { printable } from '../output/printable.js';
import { NONE, renderTable } from '../output/table.js';
import type { Resource } from '../resource.js';

const CA_PATH = '/api/v1/certificateauthorities';

interface IssuedItem {
  serial: string;
  subject: string;
  profile: string;
  notAfter: string;
  issuedAt: string;
  state: string;
  owner?: { kind: string; name: string };
  revocation?: { revokedAt: string; reason: string };
}

/** The text body of a GET (PEM), through the client so errors read like every other command's. */
async function text(client: StewardClient, path: string, accept: string): Promise<string> {
  return (await client.stream(path, { accept })).text();
}

/** `AB:CD:...`, as openssl and browsers show fingerprints. Pure. */
export function colonHex(hex: string): string {
  return (hex.toUpperCase().match(/../g) ?? []).join(':');
}

/** The certificates of a PEM chain, parsed (node's X509Certificate; nothing is trusted here). */
export function parseChain(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new X509Certificate(block));
}

/**
 * The Certificate and Chain sections of `describe ca NAME`, from the CA's status and its chain.
 * Pure.
 */
export function describeCertificateAuthority(
  resource: Resource,
  chainPem: string | undefined,
  now: Date,
): string[] {
  const status = (resource.status ?? {}) as Record<string, unknown>;
  const field = (label: string, value: unknown) =>
    `  ${`${label}:`.padEnd(22)}${value === undefined || value === null || value === '' ? NONE : printable(String(value))}`;
  const lines = ['Certificate:'];
  if (typeof status.fingerprint !== 'string') lines.push(`  ${NONE}`);
  else {
    const notAfter = typeof status.notAfter === 'string' ? status.notAfter : undefined;
    const remaining = notAfter ? Date.parse(notAfter) - now.getTime() : undefined;
    lines.push(
      field('Subject', status.subject),
      field('Serial', status.serial),
      field('SHA-256 Fingerprint', colonHex(status.fingerprint)),
      field('Key Algorithm', status.keyAlgorithm),
      field('Not Before', status.notBefore),
      field(
        'Not After',
        notAfter && remaining !== undefined
          ? `${notAfter} (${remaining > 0 ? `expires in ${formatDuration(remaining)}` : 'expired'})`
          : notAfter,
      ),
      field('Renewal', status.renewalTime),
    );
  }
  lines.push('Chain:');
  const chain = chainPem ? parseChain(chainPem) : [];
  if (chain.length === 0) lines.push(`  ${NONE}`);
  else {
    const rows = chain.map((certificate, index) => [
      String(index),
      certificate.subject.replace(/\n/g, ', '),
      certificate.issuer.replace(/\n/g, ', '),
      new Date(certificate.validTo).toISOString(),
    ]);
    lines.push(
      ...renderTable(['#', 'SUBJECT', 'ISSUER', 'NOT AFTER'], rows)
        .trimEnd()
        .split('\n')
        .map((line) => `  ${line}`),
    );
  }
  return lines;
}

/** For `describe`: the CA sections, fetching the chain (absent while the CA has no certificate). */
export async function certificateAuthorityDetails(
  client: StewardClient,
  resource: Resource,
  now: Date,
): Promise<string[]> {
  let chain: string | undefined;
  if (typeof (resource.status as Record<string, unknown> | undefined)?.fingerprint === 'string') {
    chain = await text(
      client,
      `${CA_PATH}/${encodeURIComponent(resource.metadata.name)}/chain`,
      'application/pem-certificate-chain',
    ).catch(() => undefined);
  }
  return describeCertificateAuthority(resource, chain, now);
}

const chainCommand: CommandSpec = {
  name: 'chain',
  summary: "Print a CA's certificate chain (PEM: the CA first, the root last)",
  usage: 'ca chain NAME [--bundle]',
  arity: [1, 1],
  options: {
    bundle: {
      type: 'boolean',
      description:
        'every still-valid certificate of the CA and of the CAs above it instead (renewed and rotated ones stay until they expire)',
    },
  },
  examples: [
    'steward ca chain fleet-issuing > chain.pem',
    'openssl verify -CAfile root.pem -untrusted chain.pem device.pem',
  ],
  async run(session, args) {
    const client = await session.client();
    const which = args.flag('bundle') ? 'bundle' : 'chain';
    session.io.stdout.write(
      await text(
        client,
        `${CA_PATH}/${encodeURIComponent(args.positionals[0])}/${which}`,
        'application/pem-certificate-chain',
      ),
    );
    return 0;
  },
};

const crlCommand: CommandSpec = {
  name: 'crl',
  summary: "Print a CA's current CRL, or the CRL of one of its keys (PEM)",
  usage: 'ca crl NAME [--key KEY_ID]',
  arity: [1, 1],
  options: {
    key: {
      type: 'string',
      description:
        "the CRL of this key (the last part of a certificate's CRL distribution point): earlier keys keep one while their certificates are unexpired",
    },
  },
  examples: [
    'steward ca crl fleet-issuing > crl.pem',
    'openssl crl -in crl.pem -noout -text',
    'steward ca crl fleet-issuing --key 3f2c…',
  ],
  async run(session, args) {
    const client = await session.client();
    const key = args.string('key');
    const which = key === undefined ? 'crl' : `crl/${encodeURIComponent(key)}`;
    session.io.stdout.write(
      await text(
        client,
        `${CA_PATH}/${encodeURIComponent(args.positionals[0])}/${which}?format=pem`,
        'application/x-pem-file',
      ),
    );
    return 0;
  },
};

const certificatesCommand: CommandSpec = {
  name: 'certificates',
  summary: 'List the certificates a CA issued',
  usage: 'ca certificates NAME [--limit N]',
  arity: [1, 1],
  options: { limit: { type: 'string', valueName: 'N', description: 'show at most N (default: all)' } },
  examples: ['steward ca certificates fleet-issuing'],
  async run(session, args) {
    const client = await session.client();
    const limitText = args.string('limit');
    const limit = limitText === undefined ? Number.POSITIVE_INFINITY : Number(limitText);
    if (!(limit > 0)) throw args.usage(`--limit must be a positive number, got "${limitText}"`);
    const items: IssuedItem[] = [];
    let token: string | undefined;
    do {
      const page = await client.request<{ items: IssuedItem[]; metadata?: { continue?: string } }>(
        'GET',
        `${CA_PATH}/${encodeURIComponent(args.positionals[0])}/certificates`,
        { query: { limit: Math.min(5000, limit - items.length), continue: token } },
      );
      items.push(...page.items);
      token = page.metadata?.continue;
    } while (token && items.length < limit);
    if (items.length === 0) {
      session.err('No certificates found.');
      return 0;
    }
    const rows = items.map((item) => [
      item.serial,
      item.subject,
      item.profile,
      item.owner ? `${item.owner.kind.toLowerCase()}/${item.owner.name}` : NONE,
      item.state === 'revoked' && item.revocation ? `revoked (${item.revocation.reason})` : item.state,
      item.notAfter,
    ]);
    session.io.stdout.write(
      renderTable(['SERIAL', 'SUBJECT', 'PROFILE', 'OWNER', 'STATE', 'NOT AFTER'], rows),
    );
    return 0;
  },
};

const revokeCommand: CommandSpec = {
  name: 'revoke',
  summary: 'Revoke a certificate a CA issued; its CRL is republished at once',
  usage: 'ca revoke NAME SERIAL [--reason REASON]',
  arity: [2, 2],
  options: {
    reason: {
      type: 'string',
      valueName: 'REASON',
      description:
        'RFC 5280 reason: keyCompromise, superseded, cessationOfOperation, affiliationChanged, … (default unspecified)',
    },
  },
  examples: ['steward ca revoke fleet-issuing 3f2a... --reason keyCompromise'],
  async run(session, args) {
    const [name, serial] = args.positionals;
    const client = await session.client();
    const result = await client.request<{
      serial: string;
      reason: string;
      revokedAt: string;
      alreadyRevoked: boolean;
    }>('POST', `${CA_PATH}/${encodeURIComponent(name)}/revoke`, {
      body: { serial, reason: args.string('reason') },
    });
    session.out(
      result.alreadyRevoked
        ? `certificate ${result.serial} was already revoked (${result.reason}, ${result.revokedAt})`
        : `certificate ${result.serial} revoked (${result.reason})`,
    );
    return 0;
  },
};

const issueCommand: CommandSpec = {
  name: 'issue',
  summary: 'Issue a certificate for a CSR or public key (PEM file); prints it',
  usage:
    'ca issue NAME (--csr FILE | --public-key FILE) --cn NAME [--dns D]... [--uri U]... [--email E]... [--ip ADDRESS]... [--profile P] [--validity DUR]',
  arity: [1, 1],
  options: {
    csr: {
      type: 'string',
      valueName: 'FILE',
      description: 'PEM certificate signing request (only its key is used)',
    },
    'public-key': { type: 'string', valueName: 'FILE', description: 'PEM public key' },
    cn: { type: 'string', valueName: 'NAME', description: 'subject common name' },
    dns: { type: 'string', multiple: true, valueName: 'NAME', description: 'a DNS subject alternative name' },
    uri: { type: 'string', multiple: true, valueName: 'URI', description: 'a URI subject alternative name' },
    email: {
      type: 'string',
      multiple: true,
      valueName: 'ADDRESS',
      description: 'an e-mail subject alternative name',
    },
    ip: {
      type: 'string',
      multiple: true,
      valueName: 'ADDRESS',
      description: 'an IPv4 or IPv6 subject alternative name',
    },
    profile: { type: 'string', valueName: 'PROFILE', description: 'client (default), server or device' },
    validity: {
      type: 'string',
      valueName: 'DURATION',
      description: "e.g. 720h (default and maximum: the CA's leafValidity)",
    },
    chain: { type: 'boolean', description: "append the CA's chain after the certificate" },
  },
  examples: [
    'steward ca issue fleet-issuing --csr web.csr --cn web-1 --dns web-1.example.com --profile server > web.pem',
  ],
  async run(session, args) {
    const csrFile = args.string('csr');
    const keyFile = args.string('public-key');
    if ((csrFile === undefined) === (keyFile === undefined))
      throw args.usage('give exactly one of --csr and --public-key');
    const commonName = args.string('cn');
    if (!commonName) throw args.usage('--cn is required');
    const file = (csrFile ?? keyFile) as string;
    const pem = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw CliError.of(`cannot read ${file}: ${error.code ?? error.message}`);
    });
    const names = {
      dnsNames: args.strings('dns'),
      uris: args.strings('uri'),
      emails: args.strings('email'),
      ipAddresses: args.strings('ip'),
    };
    const client = await session.client();
    const issued = await client.request<{
      serial: string;
      certificate: string;
      chain: string;
      notAfter: string;
      clipped: boolean;
    }>('POST', `${CA_PATH}/${encodeURIComponent(args.positionals[0])}/certificates`, {
      body: {
        ...(csrFile ? { csr: pem } : { publicKey: pem }),
        subject: { commonName },
        subjectAltNames: Object.fromEntries(Object.entries(names).filter(([, list]) => list.length > 0)),
        profile: args.string('profile'),
        validity: args.string('validity'),
      },
    });
    session.io.stdout.write(issued.certificate + (args.flag('chain') ? issued.chain : ''));
    session.err(
      `certificate ${issued.serial} issued, valid until ${issued.notAfter}${issued.clipped ? " (shortened to the CA's own expiry)" : ''}`,
    );
    return 0;
  },
};

export const caCommand: CommandSpec = {
  name: 'ca',
  summary: 'Certificate authorities: chain, CRL, issued certificates, issue and revoke',
  usage: 'ca chain|crl|certificates|issue|revoke NAME ...',
  subcommands: [chainCommand, crlCommand, certificatesCommand, issueCommand, revokeCommand],
};
