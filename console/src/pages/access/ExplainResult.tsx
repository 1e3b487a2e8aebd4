import type { ExplainAnswer, PolicyVerdict } from '../../../../src/contract/federation';

function Verdict({ verdict, chosen }: { verdict: PolicyVerdict; chosen: boolean }) {
  return (
    <article className="panel" aria-label={`Policy ${verdict.name}`}>
      <h3>
        {verdict.position}. {verdict.name} {chosen && <span className="badge ok">chosen</span>}
      </h3>
      <dl className="fields">
        <dt>Ready</dt>
        <dd className={verdict.ready ? 'ok' : 'bad'}>
          {verdict.ready ? 'yes' : `no${verdict.readyMessage ? `: ${verdict.readyMessage}` : ''}`}
        </dd>
        <dt>Issuer</dt>
        <dd className={verdict.issuerMatches ? 'ok' : 'bad'}>
          {verdict.issuerMatches ? 'matches' : 'differs'} <code>{verdict.issuer}</code>
        </dd>
        <dt>Matched</dt>
        <dd>{verdict.matched.length ? verdict.matched.join(', ') : <span className="muted">none</span>}</dd>
        <dt>Mismatched</dt>
        <dd>
          {verdict.mismatched.length === 0 ? (
            <span className="muted">none</span>
          ) : (
            <ul className="access-list">
              {verdict.mismatched.map((rule) => (
                <li key={rule.rule} className="bad">
                  <code>{rule.rule}</code>: want <code>{rule.want}</code>, got{' '}
                  <code>{rule.got ?? '(absent)'}</code>
                </li>
              ))}
            </ul>
          )}
        </dd>
        <dt>Wildcards</dt>
        <dd>
          {verdict.wildcards.length ? verdict.wildcards.join(', ') : <span className="muted">none</span>}
        </dd>
      </dl>
    </article>
  );
}

/** Explain's answer: the token's checks, the pick and its reason, then every policy in exchange order. */
export function ExplainResult({ answer }: { answer: ExplainAnswer }) {
  return (
    <div aria-live="polite">
      <p role="status" className={answer.chosen ? 'ok' : 'bad'}>
        {answer.chosen ? (
          <>
            Chosen policy: <strong>{answer.chosen}</strong>
          </>
        ) : (
          'No policy chosen'
        )}{' '}
        — {answer.message}
      </p>
      {answer.tokenChecks && (
        <ul className="access-list" aria-label="Token checks">
          {answer.tokenChecks.map((check) => (
            <li key={check.check} className={check.ok === false ? 'bad' : check.ok ? 'ok' : 'muted'}>
              {check.check}: {check.ok === null ? 'not checked' : check.ok ? 'ok' : 'failed'}
              {check.message ? ` — ${check.message}` : ''}
            </li>
          ))}
        </ul>
      )}
      <div className="access-verdicts">
        {answer.policies.map((verdict) => (
          <Verdict key={verdict.name} verdict={verdict} chosen={verdict.name === answer.chosen} />
        ))}
      </div>
    </div>
  );
}
