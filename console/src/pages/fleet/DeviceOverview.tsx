import { Link } from 'react-router';
import { Labels, ReadyBadge, Time } from './format';
import { seg } from './queries';
import type { Device } from './types';

/** The device's spec and the plain fields of its status. */
export function DeviceOverview({ device }: { device: Device }) {
  const { metadata, spec, status } = device;
  return (
    <section className="panel" aria-labelledby="overview-heading">
      <h2 id="overview-heading">Overview</h2>
      <div className="fleet-columns">
        <dl className="fields">
          <dt>Display name</dt>
          <dd>{spec.displayName ?? metadata.name}</dd>
          <dt>Platform</dt>
          <dd>{spec.platform}</dd>
          <dt>Permanent identifier</dt>
          <dd>
            <code className="fleet-wrap">{spec.permanentIdentifier}</code>
          </dd>
          <dt>User</dt>
          <dd>{spec.user ? [spec.user.name, spec.user.email].filter(Boolean).join(' · ') : '—'}</dd>
          <dt>Identity CA</dt>
          <dd>
            {spec.identity?.caRef ? (
              <Link to={`/cas/${seg(spec.identity.caRef.name)}`}>{spec.identity.caRef.name}</Link>
            ) : (
              <span className="muted">none (enrollment token decides)</span>
            )}
            {spec.identity?.validity && <span className="muted"> · validity {spec.identity.validity}</span>}
          </dd>
          <dt>Labels</dt>
          <dd>
            <Labels labels={metadata.labels} />
          </dd>
          {metadata.annotations && Object.keys(metadata.annotations).length > 0 && (
            <>
              <dt>Annotations</dt>
              <dd>
                <Labels labels={metadata.annotations} />
              </dd>
            </>
          )}
        </dl>
        <dl className="fields">
          <dt>Ready</dt>
          <dd>
            <ReadyBadge conditions={status.conditions} />
          </dd>
          <dt>Approved</dt>
          <dd>
            {status.approved === undefined ? '—' : status.approved ? 'yes' : 'no, waiting for approval'}
          </dd>
          <dt>Assurance</dt>
          <dd>{status.assurance ?? '—'}</dd>
          <dt>Last seen</dt>
          <dd>
            <Time value={status.lastSeen} empty="never" />
          </dd>
          <dt>Installed</dt>
          <dd>
            {status.installed?.version
              ? `${status.installed.artifact ?? ''} ${status.installed.version}`.trim()
              : '—'}
          </dd>
          <dt>Created</dt>
          <dd>
            <Time value={metadata.createdAt} />
          </dd>
          {metadata.deletionTimestamp && (
            <>
              <dt>Deleting since</dt>
              <dd>
                <Time value={metadata.deletionTimestamp} />
              </dd>
            </>
          )}
        </dl>
      </div>
    </section>
  );
}
