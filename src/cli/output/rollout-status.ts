/**
 * `steward rollout status`: a Rollout's status (schemas/v1/rollout.json `$defs.status`) as lines
 * for people: phase and wave, what it waits for, a progress bar with counts per wave, the totals
 * and who paused or aborted it; and the one-line form `--watch` prints when not on a terminal.
 * Pure: the clock is passed in, nothing is written.
 */
import type { Counts, RolloutStatus } from '../../kinds/generated/v1/rollout.js';
import { age } from './age.js';
import { printable } from './printable.js';
import { renderTable } from './table.js';

/** What of a Rollout the status view reads. */
export interface RolloutView {
  metadata: { name: string };
  spec?: { artifactRef?: { name?: string }; strategy?: { waves?: readonly unknown[] } };
  status?: RolloutStatus;
}

/** The phases after which nothing changes any more. */
export const FINAL_PHASES: ReadonlySet<string> = new Set(['Completed', 'Aborted']);

/** Bar cells: succeeded, failed, assigned and not finished, not assigned yet. */
export const BAR = { succeeded: '#', failed: 'x', pending: '~', rest: '.' } as const;

/**
 * `[###x~~......]`: `width` cells split in proportion to succeeded, failed and pending out of
 * `total` (the rest not assigned yet). Cumulative rounding keeps the width exact and the order
 * stable. Counts past the total are clipped; a total of 0 draws an empty bar. Pure.
 */
export function progressBar(
  counts: { succeeded?: number; failed?: number; pending?: number },
  total: number,
  width = 30,
): string {
  const cells: string[] = [];
  let counted = 0;
  let drawn = 0;
  for (const part of ['succeeded', 'failed', 'pending'] as const) {
    counted += Math.max(0, counts[part] ?? 0);
    const end = total > 0 ? Math.round((Math.min(counted, total) / total) * width) : 0;
    cells.push(BAR[part].repeat(Math.max(0, end - drawn)));
    drawn = Math.max(drawn, end);
  }
  return `[${cells.join('')}${BAR.rest.repeat(width - drawn)}]`;
}

/** `agent@2.4.1`, from status (what is rolled out) or else the spec's reference. */
function artifactOf(rollout: RolloutView): string | undefined {
  const artifact = rollout.status?.artifact;
  if (artifact?.name) return artifact.version ? `${artifact.name}@${artifact.version}` : artifact.name;
  return rollout.spec?.artifactRef?.name;
}

/** `2 of 4` (the strategy's waves when known, else the waves reported). */
function waveOf(rollout: RolloutView): string {
  const total = rollout.spec?.strategy?.waves?.length ?? rollout.status?.waves?.length ?? 0;
  const current = rollout.status?.currentWave ?? 0;
  return total > 0 ? `${current} of ${total}` : String(current);
}

const COUNT_NAMES = [
  'targeted',
  'ineligible',
  'queued',
  'assigned',
  'succeeded',
  'failed',
  'pending',
  'cancelled',
] as const;

/** `targeted 120, ineligible 3 (Platform 2, Assurance 1), queued 82, ...`. Pure. */
export function totalsLine(totals: Counts, reasons: Record<string, number> = {}): string {
  const why = Object.entries(reasons)
    .filter(([, count]) => count > 0)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([reason, count]) => `${printable(reason)} ${count}`)
    .join(', ');
  return COUNT_NAMES.map((name) =>
    name === 'ineligible' && why
      ? `ineligible ${totals.ineligible ?? 0} (${why})`
      : `${name} ${totals[name] ?? 0}`,
  ).join(', ');
}

/** A time and how far from now: `2026-01-01T12:04:00Z (in 3m)` or `(5m ago)`. */
function when(timestamp: string, now: Date): string {
  const time = Date.parse(timestamp);
  if (Number.isNaN(time)) return printable(timestamp);
  const future = time > now.getTime();
  const distance = future ? age(now.toISOString(), new Date(time)) : age(timestamp, now);
  return `${printable(timestamp)} (${future ? `in ${distance}` : `${distance} ago`})`;
}

/** The full view, as `rollout status` prints it and `--watch` redraws it. Pure. */
export function rolloutStatusLines(rollout: RolloutView, now: Date): string[] {
  const status = rollout.status ?? {};
  const artifact = artifactOf(rollout);
  const lines = [
    `Rollout:    ${printable(rollout.metadata.name)}${artifact ? ` (${printable(artifact)})` : ''}`,
    `Phase:      ${status.phase ?? 'Pending'}, wave ${waveOf(rollout)}`,
  ];
  if (status.message) lines.push(`Message:    ${printable(status.message)}`);
  if (status.soakUntil && status.phase === 'Soaking')
    lines.push(`Soak until: ${when(status.soakUntil, now)}`);
  if (status.pausedBy && status.phase === 'Paused') lines.push(`Paused by:  ${printable(status.pausedBy)}`);
  if (status.abortedBy) lines.push(`Aborted by: ${printable(status.abortedBy)}`);
  if (status.startedAt) lines.push(`Started:    ${when(status.startedAt, now)}`);
  if (status.finishedAt) lines.push(`Finished:   ${when(status.finishedAt, now)}`);
  const waves = status.waves ?? [];
  if (waves.length > 0) {
    lines.push('');
    const rows = waves.map((wave) => {
      const devices = wave.devices ?? 0;
      const finished = (wave.succeeded ?? 0) + (wave.failed ?? 0);
      const done = devices > 0 ? `${Math.floor((finished / devices) * 100)}%` : '-';
      const approved = wave.approvedBy ? `approved by ${wave.approvedBy}` : '';
      return [
        `${wave.wave === status.currentWave ? '>' : ' '}${wave.wave ?? ''}`,
        `${wave.percent ?? ''}%`,
        `${progressBar(wave, devices)} ${done}`,
        String(devices),
        String(wave.assigned ?? 0),
        String(wave.succeeded ?? 0),
        String(wave.failed ?? 0),
        String(wave.pending ?? 0),
        String(wave.queued ?? 0),
        approved,
      ];
    });
    const headers = [
      'WAVE',
      'UP TO',
      'PROGRESS',
      'DEVICES',
      'ASSIGNED',
      'SUCCEEDED',
      'FAILED',
      'PENDING',
      'QUEUED',
      '',
    ];
    lines.push(...renderTable(headers, rows).trimEnd().split('\n'));
  }
  if (status.totals) lines.push('', `Totals:     ${totalsLine(status.totals, status.ineligibleReasons)}`);
  return lines;
}

/**
 * One line for logs (`--watch` when not on a terminal): printed again only when it changes, so
 * it holds no clock. Pure.
 */
export function rolloutStatusLine(rollout: RolloutView): string {
  const status = rollout.status ?? {};
  const totals = status.totals ?? {};
  const counts = (['assigned', 'succeeded', 'failed', 'pending', 'queued'] as const)
    .map((name) => `${name} ${totals[name] ?? 0}`)
    .join(', ');
  const message = status.message ? `: ${printable(status.message)}` : '';
  return `rollout/${printable(rollout.metadata.name)} ${status.phase ?? 'Pending'}, wave ${waveOf(rollout)}, ${counts}${message}`;
}

/**
 * What redraws `lines` over the `previous` frame of that many lines on a terminal: the cursor
 * goes up to its first line, each line is cleared and written, and what is left of a longer
 * previous frame is cleared. Lines are cut to `columns - 1` so none wraps (a wrapped line would
 * throw off the count). The lines must already be printable. Pure.
 */
export function redrawFrame(lines: readonly string[], previous: number, columns?: number): string {
  const cut = (line: string) =>
    columns && columns > 1 && line.length >= columns ? line.slice(0, columns - 1) : line;
  const up = previous > 0 ? `\u001b[${previous}A` : '';
  const body = lines.map((line) => `\r\u001b[2K${cut(line)}\n`).join('');
  return `${up}${body}${lines.length < previous ? '\u001b[J' : ''}`;
}
