/**
 * Wave arithmetic (pure): which devices a rollout targets, in which order, and which wave each
 * falls in. The order is a hash of the rollout's uid and the device's name, so it is the same on
 * every reconcile and in every process, differs between rollouts (the same devices are not always
 * the canaries), and a device's wave never changes once the rollout started.
 */
import { createHash } from 'node:crypto';

/** Why a targeted device cannot get the artifact. */
export const Ineligible = {
  /** Its platform is not among the artifact's platforms. */
  Platform: 'Platform',
  /** `requireAssurance: high` and its identity key was not attested. */
  Assurance: 'Assurance',
  /** It is queued or assigned in another rollout that is still active. */
  InAnotherRollout: 'InAnotherRollout',
  /** It enrolled with a manual-approval token and was not approved. */
  NotApproved: 'NotApproved',
  /** It is being deleted. */
  Deleting: 'Deleting',
  /** Ranked past the last wave's percent (a rollout whose last wave is below 100 %). */
  OutsideWaves: 'OutsideWaves',
} as const;
export type IneligibleReason = (typeof Ineligible)[keyof typeof Ineligible];

/** The stable rank of a device within a rollout: lowest first. */
export function rankOf(rolloutUid: string, device: string): string {
  return createHash('sha256').update(`${rolloutUid}/${device}`).digest('hex');
}

/**
 * Cumulative device counts at the end of each wave: wave i holds the devices ranked from
 * cutoffs[i-1] (0 for the first) up to cutoffs[i]. A percent rounds up, so a wave with a non-zero
 * percent of a non-empty target holds at least one device (1 % of 10 devices is a canary of 1,
 * not of 0); the last cutoff is never above the total, and percents never decrease (the schema).
 */
export function waveCutoffs(total: number, percents: readonly number[]): number[] {
  return percents.map((percent) => Math.min(total, Math.ceil((percent * total) / 100)));
}

/** The devices of each wave: the sizes between consecutive cutoffs. */
export function waveSizes(total: number, percents: readonly number[]): number[] {
  const cutoffs = waveCutoffs(total, percents);
  return cutoffs.map((cutoff, index) => cutoff - (index === 0 ? 0 : cutoffs[index - 1]));
}

export interface TargetDevice {
  name: string;
  platform: string;
  /** Verified attestation of its current key (Device status.assurance high). */
  attested: boolean;
  approved: boolean;
  deleting: boolean;
  /** Busy in another active rollout. */
  busy: boolean;
  /** Runs this artifact's version already. */
  installed: boolean;
}

export interface PlannedDevice {
  name: string;
  rank: string;
  /** 1-based; 0 when ineligible. */
  wave: number;
  ineligible?: IneligibleReason;
  /** Already runs the artifact: counted as succeeded in its wave without being told anything. */
  alreadyInstalled: boolean;
}

/**
 * Every targeted device with its rank and wave, or why it is ineligible. Eligible devices are
 * ordered by rank and cut into waves by `percents` of the eligible count (ineligible devices take
 * no place in a wave). The first matching reason of the order below is the one reported.
 */
export function planWaves(
  rolloutUid: string,
  devices: readonly TargetDevice[],
  rules: { platforms: readonly string[]; requireHighAssurance: boolean; percents: readonly number[] },
): PlannedDevice[] {
  const eligible: PlannedDevice[] = [];
  const ineligible: PlannedDevice[] = [];
  for (const device of devices) {
    const rank = rankOf(rolloutUid, device.name);
    const reason = device.deleting
      ? Ineligible.Deleting
      : !rules.platforms.includes(device.platform)
        ? Ineligible.Platform
        : !device.approved
          ? Ineligible.NotApproved
          : rules.requireHighAssurance && !device.attested
            ? Ineligible.Assurance
            : device.busy
              ? Ineligible.InAnotherRollout
              : undefined;
    if (reason)
      ineligible.push({ name: device.name, rank, wave: 0, ineligible: reason, alreadyInstalled: false });
    else eligible.push({ name: device.name, rank, wave: 0, alreadyInstalled: device.installed });
  }
  eligible.sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0));
  const cutoffs = waveCutoffs(eligible.length, rules.percents);
  const last = cutoffs.length === 0 ? 0 : cutoffs[cutoffs.length - 1];
  let wave = 0;
  eligible.forEach((device, index) => {
    if (index >= last) {
      device.ineligible = Ineligible.OutsideWaves;
      device.alreadyInstalled = false;
      return;
    }
    while (index >= cutoffs[wave]) wave++;
    device.wave = wave + 1;
  });
  return [...eligible, ...ineligible];
}
