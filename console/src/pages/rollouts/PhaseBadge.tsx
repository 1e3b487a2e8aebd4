import { phaseTone } from './format';

/** A rollout's phase as a badge (`WaitingApproval` spelled for people). */
export function PhaseBadge({ phase }: { phase: string | undefined }) {
  const text = phase === 'WaitingApproval' ? 'Waiting for approval' : (phase ?? 'Pending');
  return <span className={`badge ${phaseTone(phase)}`}>{text}</span>;
}
