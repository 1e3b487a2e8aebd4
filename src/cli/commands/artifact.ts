import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  type ArtifactMetadata,
  type ArtifactSignatureView as ArtifactSignature,
  artifactSignaturePayload,
  type SigningKeyView as SigningKey,
  signingKeyId,
} from '../../contract/artifact-signature.js';
import type { StewardClient } from '../client.js';
import type { CommandSpec } from '../command.js';
import { CliError } from '../errors.js';
import type { Session } from '../session.js';

const ARTIFACTS_PATH = '/api/v1/artifacts';

interface ServedArtifact {
  metadata: { name: string; uid?: string };
  spec: Partial<ArtifactMetadata>;
}

/** The id the server gives the key (the shared contract), from its PEM. */
function keyIdOf(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return signingKeyId(createHash('sha256').update(der).digest('hex'));
}

/**
 * What is wrong with an artifact's signature, checked here rather than trusted from the server:
 * the payload recomputed from the served spec must be the signed one, the key must be one of the
 * tenant's listed keys whose public half has that id, and the Ed25519 signature must verify with
 * it. Undefined when all hold. Pure.
 */
export function signatureProblem(
  artifact: ServedArtifact,
  signature: ArtifactSignature,
  keys: readonly SigningKey[],
): string | undefined {
  if (signature.uid !== artifact.metadata.uid)
    return `the signature was made for another artifact of that name (uid ${signature.uid}, the artifact's is ${artifact.metadata.uid})`;
  const spec = artifact.spec;
  const expected = artifactSignaturePayload({
    name: artifact.metadata.name,
    version: spec.version as string,
    digest: spec.digest as string,
    size: spec.size as number,
    platforms: spec.platforms ?? [],
    url: spec.url,
  });
  if (expected !== signature.payload)
    return `the signed payload is not the artifact's spec:\n  signed:   ${signature.payload}\n  computed: ${expected}`;
  if (signature.algorithm !== 'Ed25519') return `unknown signature algorithm "${signature.algorithm}"`;
  const key = keys.find((candidate) => candidate.keyId === signature.keyId);
  if (!key) return `key ${signature.keyId} is not among the tenant's signing keys`;
  let keyId: string;
  try {
    keyId = keyIdOf(key.publicKeyPem);
  } catch {
    return `the public key listed for ${signature.keyId} does not parse`;
  }
  if (keyId !== key.keyId) return `the public key listed for ${signature.keyId} has id ${keyId}`;
  let verified = false;
  try {
    verified = verify(
      null,
      Buffer.from(signature.payload, 'utf8'),
      createPublicKey(key.publicKeyPem),
      Buffer.from(signature.signature, 'base64'),
    );
  } catch {
    verified = false;
  }
  return verified ? undefined : `the signature does not verify with key ${signature.keyId}`;
}

async function signingKeys(client: StewardClient): Promise<SigningKey[]> {
  return (await client.request<{ items: SigningKey[] }>('GET', '/api/v1/signing-keys')).items;
}

const verifyCommand: CommandSpec = {
  name: 'verify',
  summary: "Verify an artifact's signature locally (payload from its spec, Ed25519 with its key)",
  usage: 'artifact verify NAME',
  arity: [1, 1],
  examples: ['steward artifact verify agent-2-4-1'],
  async run(session, args) {
    const [name] = args.positionals;
    const client = await session.client();
    const path = `${ARTIFACTS_PATH}/${encodeURIComponent(name)}`;
    const artifact = await client.request<ServedArtifact>('GET', path);
    const signature = await client.request<ArtifactSignature>('GET', `${path}/signature`);
    const problem = signatureProblem(artifact, signature, await signingKeys(client));
    if (problem) {
      session.err(`artifact/${name}: signature INVALID: ${problem}`);
      return 1;
    }
    session.out(`artifact/${name}: signature OK (key ${signature.keyId}, signed ${signature.signedAt})`);
    return 0;
  },
};

/** The media type of an SBOM file, from its top-level fields. Pure. */
export function sbomContentType(text: string): string | undefined {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (document === null || typeof document !== 'object') return undefined;
  if ('bomFormat' in document) return 'application/vnd.cyclonedx+json';
  if ('spdxVersion' in document) return 'application/spdx+json';
  return undefined;
}

const sbomCommand: CommandSpec = {
  name: 'sbom',
  summary: 'Attach an SBOM to an artifact (-f FILE), or print the attached one',
  usage: 'artifact sbom NAME [-f FILE]',
  arity: [1, 1],
  options: {
    filename: {
      type: 'string',
      short: 'f',
      valueName: 'FILE',
      description: 'an SPDX or CycloneDX JSON file to attach (replaces the one attached before)',
    },
  },
  examples: [
    'steward artifact sbom agent-2-4-1 -f agent.spdx.json',
    'steward artifact sbom agent-2-4-1 > sbom.json',
  ],
  async run(session, args) {
    const [name] = args.positionals;
    const path = `${ARTIFACTS_PATH}/${encodeURIComponent(name)}/sbom`;
    const client = await session.client();
    const file = args.string('filename');
    if (file === undefined) {
      const response = await client.stream(path, {
        accept: 'application/spdx+json, application/vnd.cyclonedx+json',
      });
      const text = await response.text();
      session.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      return 0;
    }
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw CliError.of(`cannot read ${file}: ${error.code ?? error.message}`);
    });
    // An unrecognised file goes as application/json: the server names what is wrong with it.
    const contentType = sbomContentType(text) ?? 'application/json';
    const attached = await client.request<{ format: string; size: number; sha256: string }>('PUT', path, {
      raw: { contentType, text },
    });
    session.out(
      `artifact/${name}: ${attached.format === 'spdx' ? 'SPDX' : 'CycloneDX'} SBOM attached (${attached.size} bytes, sha256 ${attached.sha256})`,
    );
    return 0;
  },
};

export const artifactCommand: CommandSpec = {
  name: 'artifact',
  summary: 'Verify artifact signatures; attach and download SBOMs',
  usage: 'artifact verify|sbom NAME',
  subcommands: [verifyCommand, sbomCommand],
};

function printKeys(session: Session, keys: readonly SigningKey[]): void {
  const rows = keys.map((key) => [
    key.keyId,
    key.algorithm,
    key.current ? 'current' : 'retired',
    key.createdAt,
    key.retiredAt ?? '-',
  ]);
  const header = ['KEY ID', 'ALGORITHM', 'STATE', 'CREATED', 'RETIRED'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column].length)),
  );
  for (const row of [header, ...rows])
    session.out(
      row
        .map((cell, column) => cell.padEnd(widths[column]))
        .join('   ')
        .trimEnd(),
    );
}

const listKeysCommand: CommandSpec = {
  name: 'list',
  summary: "List the tenant's update-signing keys, retired ones included",
  usage: 'signing-keys list [-o table|json]',
  arity: [0, 0],
  options: {
    output: { type: 'string', short: 'o', valueName: 'FORMAT', description: 'table (default) or json' },
  },
  async run(session, args) {
    const format = args.choice('output', ['table', 'json'] as const);
    const keys = await signingKeys(await session.client());
    if (format === 'json')
      session.io.stdout.write(
        `${JSON.stringify({ apiVersion: 'steward.dev/v1', kind: 'SigningKeyList', items: keys }, null, 2)}\n`,
      );
    else if (keys.length === 0)
      session.err('No signing keys yet: one is made when the first artifact is published.');
    else printKeys(session, keys);
    return 0;
  },
};

const rotateKeysCommand: CommandSpec = {
  name: 'rotate',
  summary: 'Retire the current update-signing key and make a new one (admins)',
  usage: 'signing-keys rotate',
  arity: [0, 0],
  async run(session) {
    const key = await (await session.client()).request<SigningKey>('POST', '/api/v1/signing-keys/rotate', {
      body: {},
    });
    session.out(
      `signing key ${key.keyId} is current; earlier keys are retired and still verify what they signed`,
    );
    return 0;
  },
};

export const signingKeysCommand: CommandSpec = {
  name: 'signing-keys',
  summary: 'List and rotate the update-signing keys that sign artifacts',
  usage: 'signing-keys list|rotate',
  subcommands: [listKeysCommand, rotateKeysCommand],
};
