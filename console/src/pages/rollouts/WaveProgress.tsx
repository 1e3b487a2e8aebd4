import { secondsText, waveLabel } from './format';
import type { WaveSpec, WaveStatus } from './types';

/**
 * One wave: a bar of its updated (succeeded) devices with an accessible name that says the counts
 * ("Wave 2 of 4: 37 of 120 devices updated"), the counts themselves, and its gate and soak.
 */
export function WaveProgress({
  wave,
  spec,
  total,
  current,
  waitingApproval,
}: {
  wave: WaveStatus;
  spec: WaveSpec | undefined;
  total: number;
  current: boolean;
  waitingApproval: boolean;
}) {
  const label = waveLabel(wave, total);
  const devices = wave.devices ?? 0;
  return (
    <li className={current ? 'wave current' : 'wave'} aria-current={current ? 'step' : undefined}>
      <div className="wave-head">
        <strong>
          Wave {wave.wave}
          {current ? ' (current)' : ''}
        </strong>
        <span className="muted">up to {wave.percent ?? spec?.percent}% of the target</span>
        {spec?.requireApproval && (
          <span className={`badge ${waitingApproval ? 'warn' : ''}`}>
            {waitingApproval
              ? 'waiting for approval'
              : wave.approvedBy
                ? `approved by ${wave.approvedBy}`
                : 'approval gate'}
          </span>
        )}
        {spec?.soakSeconds ? <span className="muted">soak {secondsText(spec.soakSeconds)}</span> : null}
        {spec?.successThreshold !== undefined && (
          <span className="muted">needs {spec.successThreshold}% succeeded</span>
        )}
      </div>
      <progress
        aria-label={label}
        max={Math.max(devices, 1)}
        value={devices > 0 ? (wave.succeeded ?? 0) : 0}
      />
      <p className="wave-caption">{label}</p>
      <dl className="wave-counts">
        <div>
          <dt>Devices</dt>
          <dd>{devices}</dd>
        </div>
        <div>
          <dt>Pending</dt>
          <dd>{wave.queued ?? 0}</dd>
        </div>
        <div>
          <dt>In progress</dt>
          <dd>{wave.pending ?? 0}</dd>
        </div>
        <div>
          <dt>Succeeded</dt>
          <dd className={wave.succeeded ? 'ok' : ''}>{wave.succeeded ?? 0}</dd>
        </div>
        <div>
          <dt>Failed</dt>
          <dd className={wave.failed ? 'bad' : ''}>{wave.failed ?? 0}</dd>
        </div>
      </dl>
    </li>
  );
}
