/**
 * A real software TPM (swtpm) for tests: its own manufacturer root CA signs the EK certificates
 * that `swtpm_setup` writes into NV, `swtpm socket` serves it on a free local port, and tpm2-tools
 * talk to it over `TPM2TOOLS_TCTI=swtpm:host=127.0.0.1,port=<port>`.
 *
 *   // SoftwareTpm.missingPrograms() names what is not installed (.ci/run installs it all)
 *   const tpm = await SoftwareTpm.start();
 *   const ak = await tpm.createAk();                 // TPM2B_PUBLIC bytes
 *   const secret = await tpm.activateCredential(blob, encryptedSecret);
 *   const { quote, signature } = await tpm.quote(qualifyingData);
 *   await tpm.stop();
 *
 * swtpm_setup persists the EKs: RSA-2048 at 0x81010001 (certificate in NV 0x1c00002) and ECC P-384
 * at 0x81010016 (certificate in NV 0x1c00016). Transient objects are flushed after every command,
 * because without a resource manager the TPM runs out of object slots after three.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The programs a SoftwareTpm needs; tests skip (with this list) when one is missing. */
export const SOFTWARE_TPM_PROGRAMS = [
  'swtpm',
  'swtpm_setup',
  'swtpm_localca',
  'openssl',
  'tpm2_nvread',
  'tpm2_createak',
  'tpm2_activatecredential',
  'tpm2_quote',
] as const;

export type EkType = 'rsa' | 'ecc';

const EK = {
  rsa: { handle: '0x81010001', certificateIndex: '0x1c00002' },
  ecc: { handle: '0x81010016', certificateIndex: '0x1c00016' },
} as const;

/** A root CA made with openssl: PEM certificate and its key file. */
export interface TestCa {
  certificatePem: string;
  keyPath: string;
  certificatePath: string;
}

/**
 * A self-signed CA (RSA-2048, CA:TRUE, keyCertSign) made with openssl in `dir`. Used as a TPM
 * manufacturer root, or as "another manufacturer" whose anchors must not accept a TPM's EK.
 */
export function createTestCa(dir: string, commonName: string, extraArgs: string[] = []): TestCa {
  const keyPath = join(dir, 'ca.key');
  const certificatePath = join(dir, 'ca.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certificatePath,
      '-days',
      '3650',
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      ...extraArgs,
    ],
    { stdio: 'pipe' },
  );
  return { certificatePem: readFileSync(certificatePath, 'utf8'), keyPath, certificatePath };
}

interface AttestationKey {
  ek: EkType;
  context: string;
  /** The Name the TPM reported (`tpm2_createak -n`). */
  name: Buffer;
}

export class SoftwareTpm {
  private readonly aks = new Map<string, AttestationKey>();
  private lastAk: string | undefined;
  private counter = 0;

  private constructor(
    private readonly dir: string,
    private readonly process: ChildProcess,
    readonly port: number,
    /** PEM of the manufacturer root CA that signed this TPM's EK certificates. */
    readonly manufacturerRootPem: string,
  ) {}

  /** True when swtpm, swtpm_setup, openssl and tpm2-tools are on PATH. */
  static available(): boolean {
    return SoftwareTpm.missingPrograms().length === 0;
  }

  /** The programs of SOFTWARE_TPM_PROGRAMS that are not on PATH. */
  static missingPrograms(): string[] {
    return SOFTWARE_TPM_PROGRAMS.filter((program) => {
      try {
        execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'pipe' });
        return false;
      } catch {
        return true;
      }
    });
  }

  /**
   * Manufactures a TPM (EKs, EK certificates signed by a fresh root CA) and serves it. About one
   * second. Call `stop()` when done: it kills swtpm and removes the temporary directory.
   */
  static async start(): Promise<SoftwareTpm> {
    const dir = mkdtempSync(join(tmpdir(), 'steward-swtpm-'));
    try {
      const root = createTestCa(dir, 'Steward Test TPM Manufacturer Root');
      const state = join(dir, 'state');
      writeFileSync(
        join(dir, 'swtpm-localca.conf'),
        [
          `statedir = ${dir}`,
          `signingkey = ${root.keyPath}`,
          `issuercert = ${root.certificatePath}`,
          `certserial = ${join(dir, 'certserial')}`,
          '',
        ].join('\n'),
      );
      writeFileSync(
        join(dir, 'swtpm-localca.options'),
        '--platform-manufacturer Steward\n--platform-version 2.1\n--platform-model test\n',
      );
      writeFileSync(
        join(dir, 'swtpm_setup.conf'),
        [
          'create_certs_tool = swtpm_localca',
          `create_certs_tool_config = ${join(dir, 'swtpm-localca.conf')}`,
          `create_certs_tool_options = ${join(dir, 'swtpm-localca.options')}`,
          'active_pcr_banks = sha256',
          '',
        ].join('\n'),
      );
      execFileSync('mkdir', ['-p', state]);
      await run('swtpm_setup', [
        '--tpm2',
        '--tpm-state',
        state,
        '--create-ek-cert',
        '--config',
        join(dir, 'swtpm_setup.conf'),
        '--logfile',
        join(dir, 'swtpm_setup.log'),
      ]).catch((error: Error) => {
        throw new Error(`swtpm_setup failed: ${error.message}\n${safeRead(join(dir, 'swtpm_setup.log'))}`);
      });
      const port = await freePort();
      const child = spawn(
        'swtpm',
        [
          'socket',
          '--tpm2',
          '--tpmstate',
          `dir=${state}`,
          '--server',
          `type=tcp,port=${port},bindaddr=127.0.0.1`,
          // The swtpm TCTI expects the control channel on the next port.
          '--ctrl',
          `type=tcp,port=${port + 1},bindaddr=127.0.0.1`,
          '--flags',
          'not-need-init,startup-clear',
        ],
        { stdio: 'ignore' },
      );
      const tpm = new SoftwareTpm(dir, child, port, root.certificatePem);
      await waitForPort(port, child);
      return tpm;
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** The EK certificate (DER) from NV: RSA at 0x1c00002, ECC P-384 at 0x1c00016. */
  async ekCertificateDer(ek: EkType = 'rsa'): Promise<Buffer> {
    const out = this.file('ek.der');
    await this.tpm2('tpm2_nvread', [EK[ek].certificateIndex, '-o', out]);
    return readFileSync(out);
  }

  /**
   * Creates an attestation key under the EK (`tpm2_createak`, restricted signing, SHA-256) and
   * returns its TPM2B_PUBLIC (`-f tss` writes the marshalled TPM2B_PUBLIC). The newest AK is the
   * default of `activateCredential` and `quote`.
   */
  async createAk(
    options: { ek?: EkType; type?: 'rsa' | 'ecc'; scheme?: 'rsassa' | 'rsapss' | 'ecdsa' } = {},
  ): Promise<Buffer> {
    const ek = options.ek ?? 'rsa';
    const type = options.type ?? 'rsa';
    const scheme = options.scheme ?? (type === 'rsa' ? 'rsassa' : 'ecdsa');
    const context = this.file('ak.ctx');
    const publicPath = this.file('ak.pub');
    const namePath = this.file('ak.name');
    await this.tpm2('tpm2_createak', [
      '-C',
      EK[ek].handle,
      '-c',
      context,
      '-G',
      type,
      '-g',
      'sha256',
      '-s',
      scheme,
      '-u',
      publicPath,
      '-f',
      'tss',
      '-n',
      namePath,
    ]);
    const akPublic = readFileSync(publicPath);
    const key = akPublic.toString('hex');
    this.aks.set(key, { ek, context, name: readFileSync(namePath) });
    this.lastAk = key;
    return akPublic;
  }

  /**
   * TPM2_ActivateCredential with the AK (default: the newest) and its EK. Writes tpm2-tools'
   * credential file: magic 0xBADCC0DE, version 1, TPM2B_ID_OBJECT, TPM2B_ENCRYPTED_SECRET.
   * Rejects when the TPM refuses (wrong EK, wrong AK name, tampered blob).
   */
  async activateCredential(
    credentialBlob: Uint8Array,
    encryptedSecret: Uint8Array,
    akPublic?: Uint8Array,
  ): Promise<Buffer> {
    const ak = this.ak(akPublic);
    const credential = this.file('credential.bin');
    writeFileSync(
      credential,
      Buffer.concat([Buffer.from('badcc0de00000001', 'hex'), credentialBlob, encryptedSecret]),
    );
    const out = this.file('secret.bin');
    if (ak.ek === 'rsa') {
      // The RSA EK template authorizes with PolicySecret(endorsement) only (no userWithAuth).
      const session = this.file('session.ctx');
      await this.tpm2('tpm2_startauthsession', ['--policy-session', '-S', session], { flush: false });
      await this.tpm2('tpm2_policysecret', ['-S', session, '-c', 'e'], { flush: false });
      await this.tpm2('tpm2_activatecredential', [
        '-c',
        ak.context,
        '-C',
        EK.rsa.handle,
        '-i',
        credential,
        '-o',
        out,
        '-P',
        `session:${session}`,
      ]);
    } else {
      await this.tpm2('tpm2_activatecredential', [
        '-c',
        ak.context,
        '-C',
        EK.ecc.handle,
        '-i',
        credential,
        '-o',
        out,
      ]);
    }
    return readFileSync(out);
  }

  /** TPM2_Quote by the AK (default: the newest) over PCR 0 (SHA-256) with `qualifyingData` (at most 64 bytes). */
  async quote(
    qualifyingData: Uint8Array,
    akPublic?: Uint8Array,
  ): Promise<{ quote: Buffer; signature: Buffer }> {
    const ak = this.ak(akPublic);
    const quote = this.file('quote.msg');
    const signature = this.file('quote.sig');
    await this.tpm2('tpm2_quote', [
      '-c',
      ak.context,
      '-l',
      'sha256:0',
      '-q',
      Buffer.from(qualifyingData).toString('hex'),
      '-g',
      'sha256',
      '-m',
      quote,
      '-s',
      signature,
    ]);
    return { quote: readFileSync(quote), signature: readFileSync(signature) };
  }

  /** The TPM Name of an AK (default: the newest) as the TPM computed it. */
  akName(akPublic?: Uint8Array): Buffer {
    return this.ak(akPublic).name;
  }

  /** The DER SubjectPublicKeyInfo of an EK as the TPM holds it (`tpm2_readpublic -f der`). */
  async ekPublicKeyDer(ek: EkType = 'rsa'): Promise<Buffer> {
    const out = this.file('ek-spki.der');
    await this.tpm2('tpm2_readpublic', ['-c', EK[ek].handle, '-f', 'der', '-o', out]);
    return readFileSync(out);
  }

  /** Runs a tpm2-tools program against this TPM; exported for tests that need another command. */
  async tpm2(program: string, args: string[], options: { flush?: boolean } = {}): Promise<string> {
    const env = { ...process.env, TPM2TOOLS_TCTI: `swtpm:host=127.0.0.1,port=${this.port}` };
    try {
      const { stdout } = await run(program, args, { env });
      return stdout;
    } catch (error) {
      const failure = error as Error & { stderr?: string };
      throw new Error(`${program} ${args.join(' ')} failed: ${failure.stderr ?? failure.message}`);
    } finally {
      if (options.flush !== false) {
        await run('tpm2_flushcontext', ['-t'], { env }).catch(() => undefined);
        await run('tpm2_flushcontext', ['-s'], { env }).catch(() => undefined);
      }
    }
  }

  /** Stops swtpm and removes every file of this TPM. Idempotent. */
  async stop(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
      this.process.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private ak(akPublic: Uint8Array | undefined): AttestationKey {
    const key = akPublic ? Buffer.from(akPublic).toString('hex') : this.lastAk;
    const ak = key === undefined ? undefined : this.aks.get(key);
    if (!ak) throw new Error('no such AK in this TPM: call createAk() first');
    return ak;
  }

  /** A fresh path in this TPM's directory (files are never reused between calls). */
  private file(name: string): string {
    this.counter += 1;
    return join(this.dir, `${this.counter}-${name}`);
  }
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** A free port whose successor is free too (server and control channel). */
async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await anyFreePort();
    if (port < 65535 && (await isFree(port + 1))) return port;
  }
  throw new Error('no two consecutive free ports found for swtpm');
}

async function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`swtpm exited with code ${child.exitCode}`);
    const connected = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1');
    });
    if (connected) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`swtpm did not listen on port ${port} within ${timeoutMs} ms`);
}
