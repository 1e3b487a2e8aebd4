import { StewardClient } from './client.js';
import {
  type CliConfig,
  type Connection,
  configPath,
  loadConfig,
  resolveConnection,
  saveConfig,
} from './config-file.js';
import type { CliIo } from './io.js';
import { println } from './io.js';
import type { KindCatalog } from './kinds.js';
import { printableLines } from './output/printable.js';

/**
 * One CLI run: its io, the config file, and the connection and discovery resolved lazily (config
 * commands never touch the network) and at most once.
 */
export class Session {
  private connectionPromise?: Promise<Connection>;
  private clientPromise?: Promise<StewardClient>;
  private kindsPromise?: Promise<KindCatalog>;

  constructor(
    readonly io: CliIo,
    readonly serverFlag?: string,
  ) {}

  get configPath(): string {
    return configPath(this.io.env);
  }

  now(): Date {
    return this.io.now?.() ?? new Date();
  }

  /** Writes a line (or lines) to stdout, unsafe characters escaped (output/printable.ts). */
  out(line = ''): void {
    println(this.io.stdout, printableLines(line));
  }

  err(line = ''): void {
    println(this.io.stderr, printableLines(line));
  }

  loadConfig(): Promise<CliConfig> {
    return loadConfig(this.configPath);
  }

  saveConfig(config: CliConfig): Promise<void> {
    return saveConfig(this.configPath, config);
  }

  connection(): Promise<Connection> {
    this.connectionPromise ??= this.loadConfig().then((config) =>
      resolveConnection(config, this.io.env, this.serverFlag),
    );
    return this.connectionPromise;
  }

  client(): Promise<StewardClient> {
    this.clientPromise ??= this.connection().then(
      (connection) => new StewardClient(connection.server, connection.token),
    );
    return this.clientPromise;
  }

  /** Discovery, fetched on first use and kept for the run. */
  kinds(): Promise<KindCatalog> {
    // Imported on first use: commands that never resolve a kind do not load the catalog's code.
    this.kindsPromise ??= Promise.all([this.client(), import('./kinds.js')]).then(
      ([client, { KindCatalog }]) => KindCatalog.fetch(client),
    );
    return this.kindsPromise;
  }
}
