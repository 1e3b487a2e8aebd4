/**
 * Check-ins: the heartbeat of the fleet and its hottest path. Per call it costs no write: the
 * time goes to the PresenceWriter; what the device runs is compared with what is known and written
 * (and journaled) only when it changed; update results are journaled once each. Reads are batched
 * across concurrent calls (DataLoader): the device's profile (platform, installed version,
 * attestation) and its pending log requests each take one query per turn of the event loop.
 * Writes (reports of installs and update results) of concurrent check-ins share one transaction
 * (group commit): during a wave thousands of devices report within seconds, and one commit (an
 * fsync on SQLite) each made the reports queue behind one another.
 */
import DataLoader from 'dataloader';
import type { OperationContext } from '../context.js';
import type { JournalRecord, JournalWriter } from '../journal/journal-writer.js';
import type { Assignment, RolloutAssignments } from '../rollouts/assignments.js';
import type { ChangeFeed } from '../store/change-feed.js';
import type { Database } from '../store/database.js';
import { GroupCommit } from '../store/group-commit.js';
import type { DeviceRecords } from './device-records.js';

export interface CheckInReport {
  installed?: { artifact: string; version: string };
  updateResults: Array<{
    rollout: string;
    artifact: string;
    version: string;
    state: string;
    message: string;
    /** The assignment's attempt the result is for (0: not said). */
    attempt: number;
  }>;
}

export interface CheckInAnswer {
  /** The artifact to install (signed), or null. */
  assignment: Assignment | null;
  logRequests: Array<{ id: string; requestedAt: string }>;
  renew: boolean;
  attest: boolean;
  nextCheckInSeconds: number;
}

/** One check-in's writes, committed with those of concurrent check-ins (group commit). */
interface ReportWrite {
  context: OperationContext;
  device: string;
  rolloutReports: CheckInReport['updateResults'];
  installed?: { artifact: string; version: string };
  records: JournalRecord[];
  at: string;
  /** Set by the commit: the rollouts whose progress these reports moved. */
  touched: Set<string>;
}

/** What a check-in needs to know of a device; cached briefly, refreshed by this process's writes. */
interface Profile {
  platform: string;
  installed: string | null;
  attested: boolean;
  loadedAt: number;
}

/** Platforms whose devices can attest (AttestationAuthority formats). */
const ATTESTING_PLATFORMS = new Set(['tpm', 'apple']);
/** How long a cached profile is believed: bounds how stale another process's write can look. */
const PROFILE_TTL_MS = 30_000;
const MAX_TEXT = 256;
/** Update results remembered (to journal each once) across the fleet, at most. */
const MAX_REPORTED = 100_000;
/** How long a device's pending log requests are believed (another process's request shows this late). */
const LOG_REQUESTS_FRESH_MS = 1_000;
/** How long a device's assignment is believed (a wave assigned by another process shows this late). */
const ASSIGNMENT_FRESH_MS = 1_000;

export class CheckInService {
  private readonly profiles = new Map<string, Profile>();
  /** Update results already journaled (a device may repeat a result until it is acknowledged). */
  private readonly reported = new Map<string, string>();
  private readonly profileLoader: DataLoader<string, Omit<Profile, 'loadedAt'> | null>;
  private readonly logLoader: DataLoader<string, Array<{ id: string; requestedAt: string }>>;
  /**
   * Pending log requests per device, believed for a second; a request made in this process drops
   * its device's entry at once (through the change feed), so the next check-in sees it.
   */
  private logRequests = new Map<
    string,
    { requests: Array<{ id: string; requestedAt: string }>; at: number }
  >();
  private readonly assignmentLoader: DataLoader<string, Assignment | null>;
  /**
   * Assignments per device, believed for a second; a change of a tenant's assignments in this
   * process (a wave assigned, an abort) drops the tenant's, so its devices learn it at their next call.
   */
  private assignments = new Map<string, { assignment: Assignment | null; at: number }>();
  private readonly writes = new GroupCommit<ReportWrite>((items) => this.commitReports(items));

  constructor(
    private readonly deps: {
      db: Database;
      records: DeviceRecords;
      assignments: RolloutAssignments;
      journal: JournalWriter;
      changes: ChangeFeed;
      now: () => Date;
      checkInSeconds: number;
    },
  ) {
    // Batched at the end of the event loop's I/O phase, when concurrent check-ins have arrived
    // (HTTP/2 hands each request over in its own callback; DataLoader's default is one microtask).
    const batching = {
      cache: false,
      maxBatchSize: 500,
      batchScheduleFn: (callback: () => void) => setImmediate(callback),
    };
    this.profileLoader = new DataLoader((keys) => this.loadProfiles(keys), batching);
    this.logLoader = new DataLoader((keys) => this.loadLogRequests(keys), batching);
    this.assignmentLoader = new DataLoader((keys) => deps.assignments.load(keys), batching);
    deps.changes.subscribe((keys) => {
      for (const key of keys) if (key.kind === 'Device') this.logRequests.delete(`${key.tenant}/${key.name}`);
    });
    // Only a change of assignments empties the cache, not every status write of a rollout: during
    // a wave, each report rewrites the rollout's status, and the fleet would read from the database.
    deps.assignments.onChange((tenant) => {
      for (const key of this.assignments.keys())
        if (key.startsWith(`${tenant}/`)) this.assignments.delete(key);
    });
  }

  /**
   * One check-in of the device of `context` (actor `device:<name>`), holding a certificate valid
   * from `notBefore` to `notAfter`.
   */
  async checkIn(
    context: OperationContext,
    device: string,
    certificate: { notBefore: Date; notAfter: Date },
    report: CheckInReport,
  ): Promise<CheckInAnswer> {
    const key = `${context.tenant}/${device}`;
    const [profile, logRequests, assigned] = await Promise.all([
      this.profile(key),
      this.pendingLogs(key),
      this.assignment(key),
    ]);
    let assignment = assigned;
    const records: JournalRecord[] = [];
    let installedChanged = false;
    if (report.installed && profile) {
      const installed = `${clip(report.installed.artifact)}@${clip(report.installed.version)}`;
      if (installed !== profile.installed) {
        installedChanged = true;
        records.push({
          operation: 'report',
          kind: 'Device',
          name: device,
          result: 'installed',
          reason: `runs ${installed}`,
          changes: [
            {
              pointer: '/installed',
              old: profile.installed ?? undefined,
              new: installed,
            },
          ],
        });
        profile.installed = installed;
      }
    }
    for (const result of report.updateResults) {
      // Clipped before it is a key: a device cannot grow this map with long strings.
      const id = `${key}/${clip(result.rollout)}/${clip(result.artifact)}/${clip(result.version)}`;
      if (this.reported.get(id) === result.state) continue;
      // Bounded: forgetting only means a repeated result is journaled once more.
      if (this.reported.size >= MAX_REPORTED) this.reported.clear();
      this.reported.set(id, result.state);
      records.push({
        operation: 'report',
        kind: 'Device',
        name: device,
        result: `update-${result.state}`,
        reason: `${clip(result.artifact)}@${clip(result.version)}${result.rollout ? ` (rollout ${clip(result.rollout)})` : ''}${result.message ? `: ${clip(result.message)}` : ''}`,
      });
    }
    const rolloutReports = report.updateResults.filter(
      (result) => result.rollout !== '' && (result.state === 'succeeded' || result.state === 'failed'),
    );
    if (records.length > 0 || rolloutReports.length > 0) {
      const write: ReportWrite = {
        context,
        device,
        rolloutReports,
        installed:
          installedChanged && report.installed
            ? { artifact: clip(report.installed.artifact), version: clip(report.installed.version) }
            : undefined,
        records,
        at: this.deps.now().toISOString(),
        touched: new Set(),
      };
      await this.writes.submit(write);
      const touched = write.touched;
      if (touched.size > 0) {
        // The device's next answer reflects its report (a retry's next attempt, or nothing more).
        this.assignments.delete(key);
        assignment = touched.has(assignment?.rollout ?? '')
          ? await this.assignmentLoader.load(key)
          : assignment;
        this.assignments.set(key, { assignment, at: Date.now() });
      }
      this.deps.changes.publish([
        ...(records.length > 0 ? [{ tenant: context.tenant, kind: 'Device', name: device }] : []),
        ...[...touched].map((name) => ({ tenant: context.tenant, kind: 'Rollout', name })),
      ]);
    }
    const now = this.deps.now().getTime();
    const lifetime = certificate.notAfter.getTime() - certificate.notBefore.getTime();
    return {
      assignment,
      logRequests,
      renew: now >= certificate.notBefore.getTime() + (lifetime * 2) / 3,
      attest: profile !== null && ATTESTING_PLATFORMS.has(profile.platform) && !profile.attested,
      nextCheckInSeconds: this.deps.checkInSeconds,
    };
  }

  /**
   * The writes of a batch of check-ins in one transaction: each device's rollout reports (its
   * assignment row), what it runs, and the journal entries of all of them in one append. Retried
   * one by one by GroupCommit if the batch fails, so `touched` is filled afresh at each attempt.
   */
  private commitReports(items: ReportWrite[]): Promise<void> {
    return this.deps.db.transaction(async (trx) => {
      for (const item of items) {
        item.touched.clear();
        for (const result of item.rolloutReports) {
          const outcome = await this.deps.assignments.report(
            trx,
            item.context.tenant,
            item.device,
            result,
            item.at,
          );
          if (outcome !== 'ignored') item.touched.add(result.rollout);
        }
        if (item.installed)
          await this.deps.records.installed(
            trx,
            item.context.tenant,
            item.device,
            item.installed.artifact,
            item.installed.version,
          );
      }
      await this.deps.journal.appendEach(trx, items);
    });
  }

  /** Forgets what is cached of a device (after its attestation, a log upload, a change). */
  forget(tenant: string, device: string): void {
    this.profiles.delete(`${tenant}/${device}`);
    this.logRequests.delete(`${tenant}/${device}`);
  }

  private async pendingLogs(key: string): Promise<Array<{ id: string; requestedAt: string }>> {
    const cached = this.logRequests.get(key);
    const now = Date.now();
    if (cached && now - cached.at < LOG_REQUESTS_FRESH_MS) return cached.requests;
    const requests = await this.logLoader.load(key);
    if (this.logRequests.size >= 200_000) this.logRequests = new Map();
    this.logRequests.set(key, { requests, at: now });
    return requests;
  }

  private async assignment(key: string): Promise<Assignment | null> {
    const cached = this.assignments.get(key);
    const now = Date.now();
    if (cached && now - cached.at < ASSIGNMENT_FRESH_MS) return cached.assignment;
    const assignment = await this.assignmentLoader.load(key);
    if (this.assignments.size >= 200_000) this.assignments = new Map();
    this.assignments.set(key, { assignment, at: now });
    return assignment;
  }

  private async profile(key: string): Promise<Profile | null> {
    const cached = this.profiles.get(key);
    const now = Date.now();
    if (cached && now - cached.loadedAt < PROFILE_TTL_MS) return cached;
    const loaded = await this.profileLoader.load(key);
    if (!loaded) return null;
    const profile = { ...loaded, loadedAt: now };
    this.profiles.set(key, profile);
    return profile;
  }

  private async loadProfiles(keys: readonly string[]): Promise<Array<Omit<Profile, 'loadedAt'> | null>> {
    const byTenant = groupByTenant(keys);
    const found = new Map<string, Omit<Profile, 'loadedAt'>>();
    for (const [tenant, names] of byTenant) {
      const knex = this.deps.db.knex;
      const platform =
        this.deps.db.dialect === 'postgresql'
          ? knex.raw(`(r.spec::jsonb ->> 'platform') as platform`)
          : knex.raw(`json_extract(r.spec, '$.platform') as platform`);
      const rows: Array<{
        name: string;
        platform: string;
        installed_artifact: string | null;
        installed_version: string | null;
        attestation: unknown;
      }> = await knex('resources as r')
        .leftJoin('device_records as d', (join) =>
          join.on('d.tenant', '=', 'r.tenant').andOn('d.name', '=', 'r.name'),
        )
        .where({ 'r.tenant': tenant, 'r.kind': 'Device' })
        .whereIn('r.name', names)
        .select('r.name', platform, 'd.installed_artifact', 'd.installed_version', 'd.attestation');
      for (const row of rows) {
        const attestation =
          typeof row.attestation === 'string' ? JSON.parse(row.attestation) : row.attestation;
        found.set(`${tenant}/${row.name}`, {
          platform: row.platform,
          installed:
            row.installed_artifact !== null && row.installed_version !== null
              ? `${row.installed_artifact}@${row.installed_version}`
              : null,
          attested: (attestation as { attested?: boolean } | null)?.attested === true,
        });
      }
    }
    return keys.map((key) => found.get(key) ?? null);
  }

  private async loadLogRequests(
    keys: readonly string[],
  ): Promise<Array<Array<{ id: string; requestedAt: string }>>> {
    const found = new Map<string, Array<{ id: string; requestedAt: string }>>();
    for (const [tenant, names] of groupByTenant(keys)) {
      const rows: Array<{ device_name: string; id: string; requested_at: string }> = await this.deps.db
        .knex('device_logs')
        .where({ tenant, state: 'requested' })
        .whereIn('device_name', names)
        .orderBy('requested_at')
        .select('device_name', 'id', 'requested_at');
      for (const row of rows) {
        const key = `${tenant}/${row.device_name}`;
        found.set(key, [...(found.get(key) ?? []), { id: row.id, requestedAt: row.requested_at }]);
      }
    }
    return keys.map((key) => found.get(key) ?? []);
  }
}

function groupByTenant(keys: readonly string[]): Map<string, string[]> {
  const byTenant = new Map<string, string[]>();
  for (const key of keys) {
    const slash = key.indexOf('/');
    const tenant = key.slice(0, slash);
    byTenant.set(tenant, [...(byTenant.get(tenant) ?? []), key.slice(slash + 1)]);
  }
  return byTenant;
}

/** Reported texts are bounded before they reach the journal or a column. */
function clip(text: string): string {
  return text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text;
}
