/** How the Rollouts pages say things: pure functions, shared by the list and the detail. */
import type { Rollout, WaveStatus } from './types';

/** `edge-agent-2-4-1@2.4.1`: what is rolled out, from status, else the spec's reference. */
export function artifactText(rollout: Rollout): string {
  const artifact = rollout.status?.artifact;
  if (artifact?.name) return artifact.version ? `${artifact.name}@${artifact.version}` : artifact.name;
  return rollout.spec.artifactRef.name;
}

/** `2 of 4`, or `not started` before the first wave. */
export function waveText(rollout: Rollout): string {
  const current = rollout.status?.currentWave ?? 0;
  const total = rollout.spec.strategy.waves.length;
  return current > 0 ? `${current} of ${total}` : `not started (${total} waves)`;
}

/** `Wave 2 of 4: 37 of 120 devices updated`: the bar's accessible name and its caption. */
export function waveLabel(wave: WaveStatus, total: number): string {
  const devices = wave.devices ?? 0;
  return `Wave ${wave.wave ?? '?'} of ${total}: ${wave.succeeded ?? 0} of ${devices} ${
    devices === 1 ? 'device' : 'devices'
  } updated`;
}

/** `48.2 MB` (decimal units, as download sizes are usually given). */
export function sizeText(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** `1h`, `30m`, `45s`: a soak time for people. */
export function secondsText(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** The phase's badge tone. */
export function phaseTone(phase: string | undefined): 'ok' | 'bad' | 'warn' | '' {
  if (phase === 'Completed') return 'ok';
  if (phase === 'Aborted') return 'bad';
  if (phase === 'Paused' || phase === 'WaitingApproval') return 'warn';
  return '';
}
