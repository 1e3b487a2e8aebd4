/**
 * `steward journal verify` against the real server remembers the signed head per context and
 * reports a journal rolled back or rewritten below it, even when the database was altered
 * consistently (chain, head row and the server's own record of its last signed head).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JournalHeadRow, JournalRow } from '../../src/journal/journal-entity.js';
import { deviceYaml, runCli, useCliServer } from '../cli/harness.js';

describe('steward journal verify remembers the signed head', () => {
  const suite = useCliServer({ env: { STEWARD_ENGINE: 'off' } });
  const cli = (argv: string[], stdin?: string) => runCli(argv, { env: suite.env, stdin });
  const knex = () => suite.server.services.db.knex;
  const head = async () =>
    (await knex()<JournalHeadRow>('journal_heads').where({ tenant: 'default' }).first()) as JournalHeadRow;
  const remembered = () =>
    Object.values(
      JSON.parse(readFileSync(join(suite.env.STEWARD_CONFIG, '..', 'journal-heads.json'), 'utf8')).heads,
    ) as Array<{ seq: number; hash: string; time: string }>;

  /** What a forger with database access does to hide the last entries: chain, head row, the server's record. */
  async function truncateTo(seq: number): Promise<void> {
    const last = (await knex()<JournalRow>('journal_entries')
      .where({ tenant: 'default', seq })
      .first()) as JournalRow;
    await knex()('journal_entries').where({ tenant: 'default' }).andWhere('seq', '>', seq).delete();
    await knex()('journal_heads').where({ tenant: 'default' }).update({ seq, hash: last.hash });
    await knex()('journal_signing_keys')
      .where({ tenant: 'default' })
      .update({ head_seq: null, head_hash: null, head_time: null, head_signature: null });
  }

  it('remembers the head, accepts its extension, and reports a rollback then a fork', async () => {
    expect((await cli(['apply', '-f', '-'], `${deviceYaml('h-a')}---\n${deviceYaml('h-b')}`)).code).toBe(0);
    const first = await cli(['journal', 'verify']);
    expect(first.stderr).toBe('');
    const firstHead = Number((await head()).seq);
    expect(first.stdout).toContain(`Signed head at seq ${firstHead} (key `);
    expect(first.stdout).toContain('(first verification here: remembered)');

    expect((await cli(['apply', '-f', '-'], deviceYaml('h-c'))).code).toBe(0);
    const second = await cli(['journal', 'verify']);
    const known = Number((await head()).seq);
    expect(second.stdout).toContain(`Signed head at seq ${known} (key `);
    expect(second.stdout).toContain(`extending the head at seq ${firstHead} verified before`);
    const [{ time: knownTime, hash: knownHash }] = remembered();

    // The last two entries removed consistently: the server's own verify sees nothing wrong.
    await truncateTo(known - 2);
    expect(await suite.server.services.journalService.verifier.verifyTenant('default')).toMatchObject({
      ok: true,
    });
    const rollback = await cli(['journal', 'verify']);
    expect(rollback.code).toBe(1);
    expect(rollback.stdout).toBe('');
    expect(rollback.stderr.trimEnd()).toBe(
      `error: journal is BROKEN: rollback: the signed head is at seq ${known - 2}, below the head at seq ${known} known before (signed ${knownTime})`,
    );
    expect(remembered()[0]).toMatchObject({ seq: known, hash: knownHash });

    // New entries written over the removed ones: the journal is longer again, but entry `known` differs.
    expect(
      (
        await cli(
          ['apply', '-f', '-'],
          `${deviceYaml('h-d')}---\n${deviceYaml('h-e')}---\n${deviceYaml('h-f')}`,
        )
      ).code,
    ).toBe(0);
    const rewritten = (await knex()<JournalRow>('journal_entries')
      .where({ tenant: 'default', seq: known })
      .first()) as JournalRow;
    const fork = await cli(['journal', 'verify']);
    expect(fork.code).toBe(1);
    expect(fork.stderr.trimEnd()).toBe(
      `error: journal is BROKEN: fork: entry ${known} has hash ${rewritten.hash.slice(0, 12)}…, not ${knownHash.slice(0, 12)}… as in the head known before (signed ${knownTime}): the journal was rewritten`,
    );
  });

  it('serves the signed head with GET /api/v1/journal/head and refuses a malformed at', async () => {
    const answer = await cli(['journal', 'head']);
    expect(answer.code).toBe(0);
    const signed = JSON.parse(answer.stdout);
    expect(signed).toMatchObject({
      kind: 'JournalSignedHead',
      tenant: 'default',
      seq: Number((await head()).seq),
    });
    const key = await cli(['journal', 'head', '--public-key-only']);
    expect(key.stdout).toBe(signed.publicKey);
    const bad = await fetch(`${suite.server.url}/api/v1/journal/head?at=-1`, {
      headers: { authorization: `Bearer ${suite.env.STEWARD_TOKEN}` },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toBe(
      'query parameter "at" must be a sequence number (0 to 999999999999999), got "-1"',
    );
  });
});
