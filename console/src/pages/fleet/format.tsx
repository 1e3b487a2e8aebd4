/**
 * How the Fleet pages show times, label selectors, labels and conditions. Pure presentation: no
 * request is made here.
 */
import { conditionOf, Time } from '../../format';
import type { Condition, LabelSelector } from './types';

export { Time } from '../../format';

/** The Kubernetes text of a selector: `env=prod,ring in (early,canary)`; empty selects everything. */
export function selectorText(selector: LabelSelector | undefined): string {
  const parts = Object.entries(selector?.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`);
  for (const expression of selector?.matchExpressions ?? []) {
    const values = `(${(expression.values ?? []).join(',')})`;
    if (expression.operator === 'In') parts.push(`${expression.key} in ${values}`);
    else if (expression.operator === 'NotIn') parts.push(`${expression.key} notin ${values}`);
    else if (expression.operator === 'Exists') parts.push(expression.key);
    else if (expression.operator === 'DoesNotExist') parts.push(`!${expression.key}`);
    else parts.push(`${expression.key} ${expression.operator} ${values}`);
  }
  return parts.join(',');
}

export function Labels({ labels }: { labels?: Record<string, string> }) {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return <span className="muted">none</span>;
  return (
    <span className="fleet-labels">
      {entries.map(([key, value]) => (
        <code key={key} className="badge">
          {key}={value}
        </code>
      ))}
    </span>
  );
}

/** Ready as a badge, its reason beside it and its message in a tooltip. */
export function ReadyBadge({ conditions }: { conditions?: Condition[] }) {
  const ready = conditionOf(conditions, 'Ready');
  if (!ready) return <span className="badge">Unknown</span>;
  const tone = ready.status === 'True' ? 'ok' : ready.status === 'False' ? 'bad' : 'warn';
  return (
    <span title={ready.message}>
      <span className={`badge ${tone}`}>{ready.status === 'True' ? 'Ready' : 'Not ready'}</span>{' '}
      <span className="muted">{ready.reason}</span>
    </span>
  );
}

export function Conditions({ conditions }: { conditions?: Condition[] }) {
  if (!conditions?.length) return <p className="muted">No conditions reported yet.</p>;
  return (
    <table>
      <caption className="fleet-caption">Conditions</caption>
      <thead>
        <tr>
          <th scope="col">Type</th>
          <th scope="col">Status</th>
          <th scope="col">Reason</th>
          <th scope="col">Message</th>
          <th scope="col">Since</th>
        </tr>
      </thead>
      <tbody>
        {conditions.map((item) => (
          <tr key={item.type}>
            <td>{item.type}</td>
            <td className={item.status === 'True' ? 'ok' : item.status === 'False' ? 'bad' : 'warn'}>
              {item.status}
            </td>
            <td>{item.reason}</td>
            <td>{item.message}</td>
            <td>
              <Time value={item.lastTransitionTime} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
