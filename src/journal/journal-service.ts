import type { KindIndex } from '../resources/kind-index.js';
import type { Database } from '../store/database.js';
import { JournalBackground } from './journal-background.js';
import { JournalExporter } from './journal-export.js';
import { JournalFollower } from './journal-follow.js';
import { JournalHeads } from './journal-heads.js';
import { JournalQueries } from './journal-queries.js';
import { JournalRetention } from './journal-retention.js';
import { JournalSettingsStore } from './journal-settings.js';
import { JournalSigner } from './journal-signing.js';
import type { JournalWriter } from './journal-writer.js';
import { ReadRecorder } from './read-journaling.js';
import { JournalVerifier } from './verify-stored.js';

export interface JournalServiceOptions {
  /** One clock for every part (tests pass a fake one). */
  clock?: () => Date;
  /** How often retention runs (default hourly); 0 turns the timer off. */
  pruneIntervalMs?: number;
  /** Concurrent follow streams per credential, per process. */
  maxFollowsPerCredential?: number;
}

/**
 * The read side and housekeeping of the journal, built once by the composition root: queries and
 * history, follow, export, verify, settings, retention and read journaling. Appends go through
 * the JournalWriter, inside the transactions of the operations they record.
 */
export class JournalService {
  readonly signer: JournalSigner;
  readonly heads: JournalHeads;
  readonly queries: JournalQueries;
  readonly follower: JournalFollower;
  readonly exporter: JournalExporter;
  readonly verifier: JournalVerifier;
  readonly settings: JournalSettingsStore;
  readonly retention: JournalRetention;
  readonly reads: ReadRecorder;
  readonly background: JournalBackground;

  constructor(db: Database, writer: JournalWriter, kinds: KindIndex, options: JournalServiceOptions = {}) {
    const clock = options.clock ?? (() => new Date());
    this.signer = new JournalSigner(db, clock);
    this.heads = new JournalHeads(db, this.signer);
    this.queries = new JournalQueries(db, kinds, clock);
    this.follower = new JournalFollower(db, writer, { maxPerCredential: options.maxFollowsPerCredential });
    this.exporter = new JournalExporter(db, this.signer, undefined, clock);
    this.verifier = new JournalVerifier(db, undefined, this.signer);
    this.settings = new JournalSettingsStore(db, writer, clock);
    this.retention = new JournalRetention(db, writer, this.settings, clock, undefined, this.signer);
    this.reads = new ReadRecorder(db, writer, this.settings, clock);
    this.background = new JournalBackground(this.retention, this.follower, options.pruneIntervalMs);
  }
}
