import type { CommandSpec } from './command.js';

/** A top-level command as `steward --help` lists it, and how to load it when it runs. */
export interface CommandEntry {
  name: string;
  /** The same text as the loaded spec's summary (a test holds them equal). */
  summary: string;
  load(): Promise<CommandSpec>;
}

/**
 * Every top-level command, in the order `steward --help` lists them. Each command's module (with
 * yaml, the HTTP client and the output code behind it) is imported only when that command runs, so
 * `--help` and `version` load nothing but this table: that is what keeps them under 150 ms.
 */
export const COMMAND_TABLE: readonly CommandEntry[] = [
  {
    name: 'apply',
    summary: 'Create or update resources from manifest files',
    load: async () => (await import('./commands/apply.js')).applyCommand,
  },
  {
    name: 'diff',
    summary: 'Show what applying manifest files would change (exit 0 none, 1 changes, 2 error)',
    load: async () => (await import('./commands/diff.js')).diffCommand,
  },
  {
    name: 'get',
    summary: 'List resources of a kind, or show one',
    load: async () => (await import('./commands/get.js')).getCommand,
  },
  {
    name: 'describe',
    summary: 'Show a resource in detail: metadata, spec, status, conditions and history',
    load: async () => (await import('./commands/describe.js')).describeCommand,
  },
  {
    name: 'delete',
    summary: 'Delete resources by manifest files or by kind and name',
    load: async () => (await import('./commands/delete.js')).deleteCommand,
  },
  {
    name: 'wait',
    summary: 'Wait until a resource reports a condition for its current generation',
    load: async () => (await import('./commands/wait.js')).waitCommand,
  },
  {
    name: 'rollout',
    summary: 'Follow a rollout and act on it: status, approve, pause, resume or abort',
    load: async () => (await import('./commands/rollout.js')).rolloutCommand,
  },
  {
    name: 'device',
    summary: 'Act on devices: approve them; request, list and download log bundles',
    load: async () => (await import('./commands/device.js')).deviceCommand,
  },
  {
    name: 'artifact',
    summary: 'Verify artifact signatures; attach and download SBOMs',
    load: async () => (await import('./commands/artifact.js')).artifactCommand,
  },
  {
    name: 'signing-keys',
    summary: 'List and rotate the update-signing keys that sign artifacts',
    load: async () => (await import('./commands/artifact.js')).signingKeysCommand,
  },
  {
    name: 'ca',
    summary: 'Certificate authorities: chain, CRL, issued certificates, issue and revoke',
    load: async () => (await import('./commands/ca.js')).caCommand,
  },
  {
    name: 'journal',
    summary: 'Query, follow, export and verify the journal of every operation',
    load: async () => (await import('./commands/journal.js')).journalCommand,
  },
  {
    name: 'login',
    summary: 'Log in with a username and password; the session token is kept in the config file',
    load: async () => (await import('./commands/auth.js')).loginCommand,
  },
  {
    name: 'logout',
    summary: "End the session and forget the current context's token",
    load: async () => (await import('./commands/auth.js')).logoutCommand,
  },
  {
    name: 'whoami',
    summary: 'Show the user, tenant, role and permissions of the current credential',
    load: async () => (await import('./commands/auth.js')).whoamiCommand,
  },
  {
    name: 'passwd',
    summary: 'Change your password (your other sessions end)',
    load: async () => (await import('./commands/auth.js')).passwdCommand,
  },
  {
    name: 'keys',
    summary: 'Create, list, rotate and revoke API keys; the permissions they may carry',
    load: async () => (await import('./commands/keys.js')).keysCommand,
  },
  {
    name: 'trustpolicy',
    summary: 'Explain which trust policy a token matches; print the GitHub Actions workflow for one',
    load: async () => (await import('./commands/trustpolicy.js')).trustPolicyCommand,
  },
  {
    name: 'token',
    summary: 'Create, list and revoke short-lived tokens (personal, and those minted by trust policies)',
    load: async () => (await import('./commands/token.js')).tokenCommand,
  },
  {
    name: 'enroll-tokens',
    summary: 'Create, list and delete enrollment tokens for devices (session only)',
    load: async () => (await import('./commands/enroll-tokens.js')).enrollTokensCommand,
  },
  {
    name: 'simulate',
    summary: 'Run a simulated fleet of devices against the device API (enroll, check in, report)',
    load: async () => (await import('./commands/simulate.js')).simulateCommand,
  },
  {
    name: 'users',
    summary: 'Administer the users of the current tenant (session only)',
    load: async () => (await import('./commands/users.js')).usersCommand,
  },
  {
    name: 'tenants',
    summary: 'List and create tenants (system tenant admins, session only)',
    load: async () => (await import('./commands/users.js')).tenantsCommand,
  },
  {
    name: 'config',
    summary: 'Manage contexts (server, tenant, token) in the config file',
    load: async () => (await import('./commands/config.js')).configCommand,
  },
  {
    name: 'version',
    summary: 'Print the version of this CLI',
    load: async () => (await import('./commands/version.js')).versionCommand,
  },
];
