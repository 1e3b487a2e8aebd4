import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import type { ExplainAnswer } from '../../../../src/contract/federation';
import { api } from '../../api/client';
import { ErrorBox } from '../../components/ui';
import { ExplainResult } from './ExplainResult';

type Input = 'claims' | 'token';

/** The body explain takes: the claims as parsed JSON (an object), or the token as is. Pure. */
export function explainBody(
  input: Input,
  text: string,
): { claims: Record<string, unknown> } | { token: string } {
  if (input === 'token') return { token: text.trim() };
  const parsed: unknown = JSON.parse(text);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error('The claims must be a JSON object, e.g. {"iss": "…", "repository": "…"}');
  return { claims: parsed as Record<string, unknown> };
}

/**
 * Which policy an exchange would pick for a claim set or a token, and why not the others: the
 * server's explain, which never uses the token (`steward trustpolicy explain`).
 */
export function ExplainForm() {
  const [input, setInput] = useState<Input>('claims');
  const [text, setText] = useState('');
  const explain = useMutation({
    mutationFn: () =>
      api<ExplainAnswer>('POST', '/trustpolicies/explain', { body: explainBody(input, text) }),
  });
  return (
    <section className="panel access-section" aria-labelledby="explain-title">
      <h2 id="explain-title">Explain an exchange</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          explain.mutate();
        }}
      >
        <fieldset className="access-actions">
          <legend>Input</legend>
          <label className="inline">
            <input
              type="radio"
              name="explain-input"
              checked={input === 'claims'}
              onChange={() => setInput('claims')}
            />{' '}
            Claims (JSON)
          </label>
          <label className="inline">
            <input
              type="radio"
              name="explain-input"
              checked={input === 'token'}
              onChange={() => setInput('token')}
            />{' '}
            Token (JWT)
          </label>
        </fieldset>
        <label className="access-block">
          {input === 'claims' ? 'Claims JSON' : 'Token'}
          <textarea
            rows={8}
            required
            spellCheck={false}
            value={text}
            placeholder={
              input === 'claims'
                ? '{"iss": "https://token.actions.githubusercontent.com", "repository": "org/repo", …}'
                : 'eyJ…'
            }
            onChange={(event) => setText(event.target.value)}
          />
        </label>
        <button type="submit" className="primary" disabled={explain.isPending}>
          Explain
        </button>
      </form>
      <ErrorBox error={explain.error} />
      {explain.data && <ExplainResult answer={explain.data} />}
    </section>
  );
}
