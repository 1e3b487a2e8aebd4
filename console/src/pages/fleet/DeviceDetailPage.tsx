import { useParams } from 'react-router';
import { ErrorBox, Loading, PageHeader } from '../../components/ui';
import { DeviceActions } from './DeviceActions';
import { DeviceAttestation } from './DeviceAttestation';
import { DeviceCertificate } from './DeviceCertificate';
import { DeviceLogs } from './DeviceLogs';
import { DeviceOverview } from './DeviceOverview';
import { Conditions } from './format';
import { useResource } from './queries';
import { ResourceHistory } from './ResourceHistory';
import type { Device } from './types';

/**
 * A device waiting for approval or being deleted changes without this page acting: an approval
 * lands in status through the reconciler, a deletion ends when the finalizer has revoked.
 */
function settling(device: Device): boolean {
  return device.status.approved === false || Boolean(device.metadata.deletionTimestamp);
}

/** `/devices/:name`: spec and status, identity, attestation, logs and journal of one device. */
export function DeviceDetailPage() {
  const name = useParams().name ?? '';
  const device = useResource<Device>('devices', name, { refreshWhile: settling });
  return (
    <>
      <PageHeader title={`Device ${name}`}>
        {device.data && <DeviceActions device={device.data} />}
      </PageHeader>
      <ErrorBox error={device.error} />
      {device.isPending && <Loading what={`device ${name}`} />}
      {device.data && (
        <>
          <DeviceOverview device={device.data} />
          <div className="fleet-columns">
            <DeviceCertificate device={device.data} />
            <DeviceAttestation device={device.data} />
          </div>
          <section className="panel" aria-label="Conditions">
            <Conditions conditions={device.data.status.conditions} />
          </section>
          <DeviceLogs name={name} />
          <ResourceHistory plural="devices" name={name} />
        </>
      )}
    </>
  );
}
