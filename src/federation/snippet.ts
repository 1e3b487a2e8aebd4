/**
 * The ready-to-paste GitHub Actions workflow of `GET /api/v1/auth/oidc` and `steward trustpolicy
 * snippet`: it asks GitHub for the job's OIDC token with the tenant's audience, exchanges it for a
 * short-lived Steward token, masks it, and applies the manifests with it. Tailored to a policy when given
 * (its branch and environment become the workflow's trigger and the job's environment, so the
 * workflow matches the policy it was made for). Pure: a string of YAML.
 */
import { stringify } from 'yaml';

export interface SnippetInput {
  /** Steward's public URL (STEWARD_PUBLIC_URL). */
  serverUrl: string;
  tenant: string;
  /** The tenant's audience `<tenant>.<host>`. */
  audience: string;
  policy?: { name: string; claims: Record<string, string>; permissions: readonly string[] };
}

/** A branch named by a `refs/heads/X` ref rule; undefined for tags, pull requests or no rule. */
function branchOf(ref: string | undefined): string | undefined {
  return ref?.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
}

export function githubActionsSnippet(input: SnippetInput): string {
  const claims = input.policy?.claims ?? {};
  const branch = branchOf(claims.ref) ?? 'main';
  const tag = claims.ref?.startsWith('refs/tags/') ? claims.ref.slice('refs/tags/'.length) : undefined;
  const exchange = [
    'set -euo pipefail',
    "# 1. The job's OIDC token, issued by GitHub for Steward's audience (one audience: Steward refuses several).",
    '#    GitHub sets the request URL and token only for a job with `permissions: id-token: write`.',
    'printenv ACTIONS_ID_TOKEN_REQUEST_URL > /dev/null || {',
    '  echo "::error::no OIDC token for this job: it needs permissions: id-token: write"',
    '  exit 1',
    '}',
    `JOB_TOKEN=$(curl -sSf -H "Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=${input.audience}" | jq -r .value)`,
    '# 2. Exchanged for a short-lived Steward token ({"token": "stt_…", "expiresAt": …}). A refusal is',
    '#    shown: it names the check that failed, and never holds a token.',
    `if ! ANSWER=$(curl -sS --fail-with-body -X POST ${input.serverUrl}/api/v1/auth/oidc/token -H 'content-type: application/json' -d "{\\"token\\":\\"$JOB_TOKEN\\"}"); then`,
    '  echo "::error::Steward refused the job token: $ANSWER"',
    '  exit 1',
    'fi',
    'STEWARD_TOKEN=$(jq -r .token <<<"$ANSWER")',
    '# 3. Masked in the log before anything could print it, then handed to the next steps',
    '#    (the steward CLI reads STEWARD_TOKEN and STEWARD_URL).',
    'echo "::add-mask::$STEWARD_TOKEN"',
    'echo "STEWARD_TOKEN=$STEWARD_TOKEN" >> "$GITHUB_ENV"',
    'echo "Steward token valid until $(jq -r .expiresAt <<<"$ANSWER")"',
  ].join('\n');
  const job: Record<string, unknown> = {
    'runs-on': 'ubuntu-latest',
    ...(claims.environment ? { environment: claims.environment } : {}),
    steps: [
      { uses: 'actions/checkout@v4' },
      { name: 'Exchange the job token for a Steward token', run: `${exchange}\n` },
      {
        name: 'Apply the manifests',
        // The API directly: curl is on every runner, and `npx steward` would fetch whatever package
        // the public registry has under that name (this one is not published).
        run: [
          '# 4. The manifests under manifests/, as one YAML stream, applied with that token (what',
          '#    `steward apply -f manifests/` does, for a runner with the steward CLI installed).',
          `awk 'FNR == 1 && NR != 1 { print "---" } { print }' manifests/*.yaml |`,
          `  curl -sS --fail-with-body -X POST "$STEWARD_URL/api/v1/apply" -H "Authorization: Bearer $STEWARD_TOKEN" \\`,
          "    -H 'content-type: application/yaml' --data-binary @-",
          '',
        ].join('\n'),
      },
    ],
  };
  const workflow = {
    name: input.policy ? `Steward (${input.policy.name})` : 'Steward',
    on: tag ? { push: { tags: [tag] } } : { push: { branches: [branch] } },
    // id-token: write lets the job ask GitHub for its OIDC token; nothing else is needed.
    permissions: { 'id-token': 'write', contents: 'read' },
    env: { STEWARD_URL: input.serverUrl },
    jobs: { steward: job },
  };
  const header = [
    `# Exchanges this job's OIDC token for a Steward token of tenant "${input.tenant}" (audience ${input.audience}),`,
    input.policy
      ? `# through TrustPolicy "${input.policy.name}" (permissions: ${input.policy.permissions.join(', ')}).`
      : '# through the first Ready TrustPolicy whose claim rules match the job.',
    '# No secret is stored in the repository: the token lives as long as the policy allows (at most an hour).',
  ];
  return `${header.join('\n')}\n${stringify(workflow, { lineWidth: 0 })}`;
}
