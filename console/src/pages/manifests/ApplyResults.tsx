import { Link } from 'react-router';
import type { ApiResource } from '../../../../src/contract/discovery';
import { FieldDiffTable } from './FieldDiffTable';
import type { FieldChange } from './field-diff';
import type { ApplyAnswer } from './types';

const BADGE = { created: 'ok', configured: 'warn', unchanged: '' } as const;

/** Per document: its index, kind and name, what apply did (or would do), and its field diff. */
export function ApplyResults({
  title,
  answer,
  diffs,
  kinds,
}: {
  title: string;
  answer: ApplyAnswer;
  diffs?: Map<number, FieldChange[]>;
  kinds: readonly ApiResource[];
}) {
  const pluralOf = (kind: string) => kinds.find((candidate) => candidate.kind === kind)?.plural;
  return (
    <section className="panel" aria-label={title}>
      <h2>{title}</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Document</th>
            <th scope="col">Kind</th>
            <th scope="col">Name</th>
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {answer.items.map((item) => {
            const plural = pluralOf(item.kind);
            return (
              <tr key={item.index}>
                <td>{item.index}</td>
                <td>{item.kind}</td>
                <td>
                  {plural && !answer.dryRun ? (
                    <Link to={`/resources/${plural}/${encodeURIComponent(item.name)}`}>{item.name}</Link>
                  ) : (
                    item.name
                  )}
                </td>
                <td>
                  <span className={`badge ${BADGE[item.result]}`}>{item.result}</span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {(answer.deletions ?? []).length > 0 && (
        <p className="warn">
          Deleted:{' '}
          {(answer.deletions ?? []).map((deletion) => `${deletion.kind}/${deletion.name}`).join(', ')}
        </p>
      )}
      {answer.items
        .filter((item) => diffs?.has(item.index))
        .map((item) => (
          <div key={item.index}>
            <h3>
              Changes to {item.kind} {item.name}
            </h3>
            <FieldDiffTable
              changes={diffs?.get(item.index) ?? []}
              label={`Changes to ${item.kind} ${item.name}`}
            />
          </div>
        ))}
    </section>
  );
}
