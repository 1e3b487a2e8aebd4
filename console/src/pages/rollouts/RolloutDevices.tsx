import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api/client';
import { ErrorBox } from '../../components/ui';
import { LIVE_MS, seg } from './queries';
import type { List } from './types';

/** One row of `GET /api/v1/rollouts/NAME/devices` (Mender's per-device statuses). */
interface RolloutDevice {
  device: string;
  wave: number;
  state: string;
  reason?: string;
  attempts: number;
  assignedAt?: string;
  finishedAt?: string;
  message?: string;
}

const STATES = ['queued', 'assigned', 'succeeded', 'failed', 'cancelled', 'ineligible'];
const PAGE = 50;

/**
 * The rollout's devices one by one, filtered by state, a page at a time (the API's continue
 * tokens: the pages already seen are kept so Previous needs no second token). Read live while
 * the rollout is.
 */
export function RolloutDevices({ name, live }: { name: string; live: boolean }) {
  const [state, setState] = useState('');
  const [tokens, setTokens] = useState<string[]>([]);
  const token = tokens.at(-1);
  const devices = useQuery({
    queryKey: ['rollouts', 'devices', name, state, token],
    queryFn: () =>
      api<List<RolloutDevice>>('GET', `/rollouts/${seg(name)}/devices`, {
        query: { state, limit: PAGE, continue: token },
      }),
    placeholderData: keepPreviousData,
    refetchInterval: live ? LIVE_MS : false,
  });
  const next = devices.data?.metadata.continue;
  return (
    <section aria-labelledby="rollout-devices">
      <h2 id="rollout-devices">Devices</h2>
      <div className="toolbar">
        <label>
          Device state
          <select
            value={state}
            onChange={(event) => {
              setState(event.target.value);
              setTokens([]);
            }}
          >
            <option value="">any</option>
            {STATES.map((choice) => (
              <option key={choice} value={choice}>
                {choice}
              </option>
            ))}
          </select>
        </label>
        <button type="button" disabled={tokens.length === 0} onClick={() => setTokens(tokens.slice(0, -1))}>
          Previous devices
        </button>
        <button type="button" disabled={!next} onClick={() => next && setTokens([...tokens, next])}>
          Next devices
        </button>
      </div>
      <ErrorBox error={devices.error} />
      {devices.data && devices.data.items.length > 0 && (
        <table aria-label={`Devices of rollout ${name}`}>
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">Wave</th>
              <th scope="col">State</th>
              <th scope="col">Reason</th>
              <th scope="col">Attempts</th>
              <th scope="col">Finished</th>
              <th scope="col">Last message</th>
            </tr>
          </thead>
          <tbody>
            {devices.data.items.map((device) => (
              <tr key={device.device}>
                <td>
                  <Link to={`/devices/${seg(device.device)}`}>{device.device}</Link>
                </td>
                <td>{device.wave > 0 ? device.wave : '—'}</td>
                <td>{device.state}</td>
                <td>{device.reason ?? ''}</td>
                <td>{device.attempts}</td>
                <td>{device.finishedAt ?? ''}</td>
                <td>{device.message ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {devices.data?.items.length === 0 && <p className="muted">No devices{state ? ` ${state}` : ''}.</p>}
    </section>
  );
}
