import { readFile } from 'node:fs/promises';
import type { ExplainAnswer } from '../../contract/federation.js';
import type { CommandSpec } from '../command.js';
import { CliError } from '../errors.js';
import { readAll } from '../io.js';
import { printable } from '../output/printable.js';
import type { Resource } from '../resource.js';
import type { Session } from '../session.js';

/** The answer of POST /api/v1/trustpolicies/explain. */
export type Explanation = ExplainAnswer;

/**
 * The human form of an explanation: token checks, then one block per policy in the order tried,
 * then the verdict. Values come from the token and the policies, so each is escaped onto its line.
 * Reads only the fields of the documented answer it needs (`position` and `issuerMatches` may be
 * absent: the list order, and a matching issuer). Pure.
 */
export function renderExplanation(answer: Explanation): string[] {
  const lines: string[] = [];
  if (answer.tokenChecks) {
    lines.push('Token checks:');
    for (const check of answer.tokenChecks)
      lines.push(
        `  ${check.ok === true ? '✓' : check.ok === null ? '?' : '✗'} ${check.check}${check.message ? `: ${printable(check.message)}` : ''}`,
      );
  }
  if (answer.policies.length === 0) lines.push('No trust policy of type oidc in this tenant.');
  for (const [index, policy] of answer.policies.entries()) {
    const state = [
      policy.ready ? undefined : `not Ready: ${printable(policy.readyMessage ?? 'not reconciled yet')}`,
      policy.issuerMatches === false ? `trusts ${printable(policy.issuer)}, not this issuer` : undefined,
    ].filter(Boolean);
    lines.push(
      `${policy.position ?? index + 1}. ${printable(policy.name)}${state.length ? ` (${state.join('; ')})` : ''}`,
    );
    for (const rule of policy.matched) lines.push(`  ✓ ${printable(rule)}`);
    for (const miss of policy.mismatched)
      lines.push(
        `  ✗ ${printable(miss.rule)}: want ${printable(String(miss.want))}, got ${miss.got === undefined || miss.got === null ? 'none' : printable(String(miss.got))}`,
      );
    if (policy.wildcards?.length) lines.push(`  * any ${policy.wildcards.map(printable).join(', ')}`);
  }
  lines.push(answer.chosen ? `would pick: ${printable(answer.chosen)}` : printable(answer.message));
  return lines;
}

/**
 * The Lint section `describe trustpolicy` adds: one line a warning (a message naming a claim value
 * is escaped, so it cannot break into several lines). Pure.
 */
export function lintLines(resource: Resource): string[] {
  const warnings = (resource.status as { warnings?: Array<{ code: string; message: string }> } | undefined)
    ?.warnings;
  if (!warnings) return [];
  if (warnings.length === 0) return ['Lint:', '  no warnings'];
  return [
    'Lint:',
    ...warnings.map((warning) => `  Warning  ${printable(warning.code)}  ${printable(warning.message)}`),
  ];
}

async function readInput(session: Session, file: string): Promise<string> {
  if (file === '-') return readAll(session.io.stdin);
  return readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw CliError.of(`cannot read ${file}: ${error.code ?? error.message}`);
  });
}

const explainCommand: CommandSpec = {
  name: 'explain',
  summary: 'Which trust policy an OIDC token (or claim set) would be exchanged under, and why not the others',
  usage: 'trustpolicy explain --claims FILE | --token FILE [-o text|json]',
  arity: [0, 0],
  options: {
    claims: { type: 'string', valueName: 'FILE', description: 'a JSON object of claims (- for stdin)' },
    token: {
      type: 'string',
      valueName: 'FILE',
      description: 'a JWT, e.g. a CI job token (- for stdin); it is not used up',
    },
    output: { type: 'string', short: 'o', valueName: 'FORMAT', description: 'text (default) or json' },
  },
  examples: [
    'steward trustpolicy explain --claims claims.json',
    'echo "$JOB_TOKEN" | steward trustpolicy explain --token -',
  ],
  async run(session, args) {
    const format = args.choice('output', ['text', 'json'] as const);
    const claimsFile = args.string('claims');
    const tokenFile = args.string('token');
    if ((claimsFile === undefined) === (tokenFile === undefined))
      throw args.usage('give --claims FILE or --token FILE');
    let body: Record<string, unknown>;
    if (claimsFile !== undefined) {
      const text = await readInput(session, claimsFile);
      let claims: unknown;
      try {
        claims = JSON.parse(text);
      } catch {
        throw CliError.of(`${claimsFile} is not JSON: want an object of claims`);
      }
      if (typeof claims !== 'object' || claims === null || Array.isArray(claims))
        throw CliError.of(`${claimsFile} is not a JSON object of claims`);
      body = { claims };
    } else body = { token: (await readInput(session, tokenFile as string)).trim() };
    const client = await session.client();
    const answer = await client.request<Explanation>('POST', '/api/v1/trustpolicies/explain', { body });
    if (format === 'json') session.out(JSON.stringify(answer, null, 2));
    else for (const line of renderExplanation(answer)) session.out(line);
    return answer.chosen ? 0 : 1;
  },
};

const snippetCommand: CommandSpec = {
  name: 'snippet',
  summary: "Print a GitHub Actions workflow that exchanges the job's token (for a policy, or generic)",
  usage: 'trustpolicy snippet [NAME] [-o yaml|json]',
  arity: [0, 1],
  options: {
    output: {
      type: 'string',
      short: 'o',
      valueName: 'FORMAT',
      description: 'yaml (default, the workflow) or json',
    },
  },
  examples: ['steward trustpolicy snippet github-fleet-config-release > .github/workflows/steward.yml'],
  async run(session, args) {
    const format = args.choice('output', ['yaml', 'json'] as const);
    const name = args.positionals[0];
    const client = await session.client();
    const answer = await client.request<{ audience: string; tokenUrl: string; snippet: string }>(
      'GET',
      `/api/v1/auth/oidc${name ? `?policy=${encodeURIComponent(name)}` : ''}`,
    );
    if (format === 'json') session.out(JSON.stringify(answer, null, 2));
    else session.io.stdout.write(answer.snippet.endsWith('\n') ? answer.snippet : `${answer.snippet}\n`);
    return 0;
  },
};

export const trustPolicyCommand: CommandSpec = {
  name: 'trustpolicy',
  summary: 'Explain which trust policy a token matches; print the GitHub Actions workflow for one',
  usage: 'trustpolicy explain|snippet',
  subcommands: [explainCommand, snippetCommand],
};
