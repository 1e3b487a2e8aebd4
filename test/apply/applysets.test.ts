/**
 * Apply sets end to end (issue #17, part 1): the server's inventory, prune in the apply's
 * transaction, the deletion budgets, empty submissions, `steward.dev/prune: disabled`, tombstones,
 * ownership between sets, dry runs and permissions — through POST /api/v1/apply.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { call, device, loginToken, useServer } from '../support/server.js';

const suite = useServer();

interface Result {
  items: Array<{ name: string; result: string }>;
  deletions?: Array<{ kind: string; name: string; result: string; index?: number }>;
  changeset: string;
  reason?: string;
  message?: string;
  details?: { resources?: string[] };
}

const apply = (query: string, body: unknown[], token?: string) =>
  call<Result>(suite.server, 'POST', `/api/v1/apply?${query}`, { body, token });
const exists = async (name: string) =>
  (await call(suite.server, 'GET', `/api/v1/devices/${name}`)).status === 200;
const devices = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => device(`${prefix}-${i}`));

/** A key that may write DeviceGroups but only read Devices, and a DeviceGroup it may apply. */
async function withoutDeviceWrite(prefix: string) {
  const created = await call<{ key: string }>(suite.server, 'POST', '/api/v1/keys', {
    body: {
      type: 'fine-grained',
      name: `${prefix}-no-devices`,
      permissions: ['devicegroups:write', 'devices:read'],
    },
  });
  expect(created.status).toBe(201);
  const group = {
    apiVersion: 'steward.dev/v1',
    kind: 'DeviceGroup',
    metadata: { name: `${prefix}-group` },
    spec: { selector: {} },
  };
  return { key: created.body.key, group };
}

describe('apply sets', () => {
  it('prunes, in the apply, a member no longer submitted; resources outside the set are untouched', async () => {
    expect((await apply('', [device('outside-1')])).status).toBe(200);
    const first = await apply('applyset=fleet', devices('fleet', 5));
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const pruned = await apply('applyset=fleet&prune=true', devices('fleet', 4));
    expect(pruned.status, JSON.stringify(pruned.body)).toBe(200);
    expect(pruned.body.deletions).toEqual([{ kind: 'Device', name: 'fleet-4', result: 'pruned' }]);
    expect(await exists('fleet-4')).toBe(false);
    expect(await exists('outside-1')).toBe(true);
    const journal = await call<{ items: Array<{ operation: string; result: string; changeset: string }> }>(
      suite.server,
      'GET',
      '/api/v1/journal?name=fleet-4',
    );
    expect(journal.body.items[0]).toMatchObject({
      operation: 'prune',
      result: 'pruned',
      changeset: pruned.body.changeset,
    });
  });

  it('refuses, naming them, deletions over either budget, and changes nothing', async () => {
    expect((await apply('applyset=budget', devices('budget', 10))).status).toBe(200);
    const overPercent = await apply('applyset=budget&prune=true', [
      ...devices('budget', 6),
      device('budget-new'),
    ]);
    expect(overPercent.status).toBe(409);
    expect(overPercent.body.reason).toBe('DeletionBudgetExceeded');
    expect(overPercent.body.message).toContain('40 %');
    expect(overPercent.body.details?.resources).toEqual([
      'Device/budget-6',
      'Device/budget-7',
      'Device/budget-8',
      'Device/budget-9',
    ]);
    expect(await exists('budget-9')).toBe(true);
    expect(await exists('budget-new')).toBe(false);
    const overCount = await apply(
      'applyset=budget&prune=true&maxDeletions=3&maxDeletionPercent=100',
      devices('budget', 6),
    );
    expect(overCount.status).toBe(409);
    expect(overCount.body.message).toContain('more than maxDeletions 3');
    const within = await apply('applyset=budget&prune=true&maxDeletionPercent=40', devices('budget', 6));
    expect(within.status, JSON.stringify(within.body)).toBe(200);
    expect(within.body.deletions).toHaveLength(4);
  });

  it('never prunes on an empty submission unless allowEmpty', async () => {
    expect((await apply('applyset=empty', devices('empty', 2))).status).toBe(200);
    const refused = await apply('applyset=empty&prune=true', []);
    expect(refused.status).toBe(409);
    expect(refused.body.reason).toBe('EmptySubmission');
    expect(refused.body.message).toContain('Device/empty-0, Device/empty-1');
    const allowed = await apply('applyset=empty&prune=true&allowEmpty=true&maxDeletionPercent=100', []);
    expect(allowed.status, JSON.stringify(allowed.body)).toBe(200);
    expect(await exists('empty-0')).toBe(false);
  });

  it('never prunes a resource marked steward.dev/prune: disabled; it leaves the set', async () => {
    const keep = {
      ...device('keep-1'),
      metadata: { name: 'keep-1', annotations: { 'steward.dev/prune': 'disabled' } },
    };
    expect((await apply('applyset=keepers', [keep, ...devices('keepers', 4)])).status).toBe(200);
    const pruned = await apply('applyset=keepers&prune=true', devices('keepers', 4));
    expect(pruned.status, JSON.stringify(pruned.body)).toBe(200);
    expect(pruned.body.deletions).toBeUndefined();
    expect(await exists('keep-1')).toBe(true);
    // No longer a member: another set may take it without adopting.
    expect((await apply('applyset=other-keepers', [keep])).status).toBe(200);
  });

  it('deletes a tombstoned resource, counting it against the budget', async () => {
    expect((await apply('applyset=tomb', devices('tomb', 4))).status).toBe(200);
    const tombstone = {
      apiVersion: 'steward.dev/v1',
      kind: 'Device',
      metadata: { name: 'tomb-3', annotations: { 'steward.dev/lifecycle': 'absent' } },
    };
    const reply = await apply('applyset=tomb', [...devices('tomb', 3), tombstone]);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.deletions).toEqual([{ index: 3, kind: 'Device', name: 'tomb-3', result: 'deleted' }]);
    expect(await exists('tomb-3')).toBe(false);
    const tooMany = await apply('applyset=tomb&maxDeletions=0', [
      ...devices('tomb', 2),
      { ...tombstone, metadata: { ...tombstone.metadata, name: 'tomb-2' } },
    ]);
    expect(tooMany.status).toBe(409);
    expect(await exists('tomb-2')).toBe(true);
  });

  it('refuses a resource another set owns, naming it, unless forceAdopt', async () => {
    expect((await apply('applyset=team-a', [device('shared-1')])).status).toBe(200);
    const refused = await apply('applyset=team-b', [device('shared-1')]);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('belongs to apply set "team-a"');
    const adopted = await apply('applyset=team-b&forceAdopt=true', [device('shared-1')]);
    expect(adopted.status, JSON.stringify(adopted.body)).toBe(200);
    // team-a no longer owns it: its prune does not delete it.
    const prunedA = await apply('applyset=team-a&prune=true&allowEmpty=true&maxDeletionPercent=100', []);
    expect(prunedA.status).toBe(200);
    expect(await exists('shared-1')).toBe(true);
  });

  it('answers a dry run with what it would prune, deleting nothing', async () => {
    expect((await apply('applyset=dry', devices('dry', 4))).status).toBe(200);
    const dry = await apply('applyset=dry&prune=true&dryRun=true', devices('dry', 3));
    expect(dry.status).toBe(200);
    expect(dry.body.deletions).toEqual([{ kind: 'Device', name: 'dry-3', result: 'pruned' }]);
    expect(await exists('dry-3')).toBe(true);
  });

  it('needs the write permission of each kind it prunes', async () => {
    expect((await apply('applyset=perm', [device('perm-1'), device('perm-2')])).status).toBe(200);
    const { key, group } = await withoutDeviceWrite('perm');
    const reply = await apply('applyset=perm&prune=true&maxDeletionPercent=100', [group], key);
    expect(reply.status).toBe(403);
    expect(reply.body.message).toContain('devices:write');
    expect(await exists('perm-1')).toBe(true);
  });

  it('asks the permission before the budget: a refusal never names resources of a kind the caller may not delete', async () => {
    expect((await apply('applyset=perm-budget', [device('pb-1'), device('pb-2')])).status).toBe(200);
    const { key, group } = await withoutDeviceWrite('pb');
    // Over the default 30 % budget too: still a 403, not a 409 listing the devices.
    const reply = await apply('applyset=perm-budget&prune=true', [group], key);
    expect(reply.status).toBe(403);
    expect(reply.body.message).toContain('devices:write');
  });

  it('drops a member deleted by other means from its set: the budget counts what exists, a re-created resource is not the set’s', async () => {
    expect((await apply('applyset=gone', devices('gone', 10))).status).toBe(200);
    for (let i = 3; i < 10; i += 1)
      expect((await call(suite.server, 'DELETE', `/api/v1/devices/gone-${i}`)).status).toBe(200);
    const sets = await call<{ items: Array<{ name: string; members: number }> }>(
      suite.server,
      'GET',
      '/api/v1/applysets',
    );
    expect(sets.body.items.find((set) => set.name === 'gone')?.members).toBe(3);
    // Pruning the 3 left is 100 % of what exists: refused by the default budget (it was let through before).
    const pruned = await apply('applyset=gone&prune=true', [device('gone-unrelated')]);
    expect(pruned.status).toBe(409);
    expect(pruned.body.message).toContain("100 % of the set's 3 existing member(s)");
    // Deleted, then re-created by someone else without a set: not a member of "gone" any more.
    expect((await apply('', [device('gone-3', { owner: 'bob' })])).status).toBe(200);
    const claimed = await apply('applyset=bobs', [device('gone-3', { owner: 'bob' })]);
    expect(claimed.status, JSON.stringify(claimed.body)).toBe(200);
  });

  it('refuses a misspelled dryRun rather than running the real operation, and a tombstone given twice', async () => {
    expect((await apply('applyset=dry', devices('dry', 4))).status).toBe(200);
    for (const value of ['True', 'yes', 'on', 'server']) {
      const reply = await apply(`applyset=dry&prune=true&maxDeletionPercent=100&dryRun=${value}`, []);
      expect(reply.status, value).toBe(400);
      expect(reply.body.message).toContain('dryRun must be true');
    }
    expect(await exists('dry-0')).toBe(true);
    const tombstone = {
      ...device('dry-1'),
      metadata: { name: 'dry-1', annotations: { 'steward.dev/lifecycle': 'absent' } },
    };
    const twice = await apply('applyset=dry', [...devices('dry', 1), tombstone, tombstone]);
    expect(twice.status).toBe(422);
    expect(JSON.stringify(twice.body)).toContain('absent twice (documents 1 and 2)');
    expect(await exists('dry-1')).toBe(true);
  });

  it('refuses prune parameters without an apply set, and a malformed set name', async () => {
    expect((await apply('maxDeletions=3', [device('x-1')])).status).toBe(400);
    const bad = await apply('applyset=Not_A_Label', [device('x-1')]);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('DNS-1123');
  });

  it('lists apply sets with member counts and last apply, shows members, and deletes a set orphaning or cascading', async () => {
    expect((await apply('applyset=listed', devices('listed', 3))).status).toBe(200);
    const list = await call<{ items: Array<{ name: string; members: number; lastAppliedBy: string }> }>(
      suite.server,
      'GET',
      '/api/v1/applysets',
    );
    expect(list.body.items.find((set) => set.name === 'listed')).toMatchObject({
      members: 3,
      lastAppliedBy: 'user:admin',
    });
    const one = await call<{ items: Array<{ name: string; appliedGeneration: string }> }>(
      suite.server,
      'GET',
      '/api/v1/applysets/listed',
    );
    expect(one.body.items.map((member) => member.name)).toEqual(['listed-0', 'listed-1', 'listed-2']);
    expect((await call(suite.server, 'GET', '/api/v1/applysets/nope')).status).toBe(404);

    const refused = await call<{ reason: string }>(
      suite.server,
      'DELETE',
      '/api/v1/applysets/listed?cascade=true',
    );
    expect(refused.status).toBe(409);
    expect(refused.body.reason).toBe('DeletionBudgetExceeded');
    const cascaded = await call<{ deletions: unknown[] }>(
      suite.server,
      'DELETE',
      '/api/v1/applysets/listed?cascade=true&maxDeletionPercent=100',
    );
    expect(cascaded.status, JSON.stringify(cascaded.body)).toBe(200);
    expect(cascaded.body.deletions).toHaveLength(3);
    expect(await exists('listed-0')).toBe(false);

    expect((await apply('applyset=orphans', devices('orphans', 2))).status).toBe(200);
    const orphaned = await call<{ orphaned: number }>(suite.server, 'DELETE', '/api/v1/applysets/orphans');
    expect(orphaned.body.orphaned).toBe(2);
    expect(await exists('orphans-0')).toBe(true);
    expect((await call(suite.server, 'GET', '/api/v1/applysets/orphans')).status).toBe(404);
    // Orphans belong to no set: another may claim them.
    expect((await apply('applyset=adopters', devices('orphans', 2))).status).toBe(200);
  });

  it('keeps apply sets per tenant: another tenant neither sees, claims against nor deletes them', async () => {
    expect((await apply('applyset=private', [device('private-1')])).status).toBe(200);
    const created = await call(suite.server, 'POST', '/api/v1/tenants', {
      body: { name: 'initech', admin: { username: 'ian', password: 'a long enough password' } },
    });
    expect(created.status).toBe(201);
    const other = await loginToken(suite.server, 'ian', 'a long enough password', 'initech');
    const list = await call<{ items: unknown[] }>(suite.server, 'GET', '/api/v1/applysets', { token: other });
    expect(list.body.items).toEqual([]);
    expect((await call(suite.server, 'GET', '/api/v1/applysets/private', { token: other })).status).toBe(404);
    expect((await call(suite.server, 'DELETE', '/api/v1/applysets/private', { token: other })).status).toBe(
      404,
    );
    // The same names in the other tenant are its own set and resources.
    const theirs = await apply(
      'applyset=private&prune=true&maxDeletionPercent=100',
      [device('private-2')],
      other,
    );
    expect(theirs.status, JSON.stringify(theirs.body)).toBe(200);
    expect(theirs.body.deletions).toBeUndefined();
    expect(await exists('private-1')).toBe(true);
  });

  it('reports members changed through the API since the set applied them as drifted, and not status writes', async () => {
    expect((await apply('applyset=drifting', devices('drifting', 2))).status).toBe(200);
    const edited = await call(suite.server, 'POST', '/api/v1/apply', {
      body: [device('drifting-1', { edited: 'by-hand' })],
    });
    expect(edited.status).toBe(200);
    const list = await call<{ items: Array<{ name: string; drifted: number }> }>(
      suite.server,
      'GET',
      '/api/v1/applysets',
    );
    expect(list.body.items.find((set) => set.name === 'drifting')?.drifted).toBe(1);
    const one = await call<{
      items: Array<{ name: string; drifted: boolean; appliedGeneration: number; generation: number }>;
    }>(suite.server, 'GET', '/api/v1/applysets/drifting');
    expect(one.body.items).toEqual([
      expect.objectContaining({ name: 'drifting-0', drifted: false }),
      expect.objectContaining({
        name: 'drifting-1',
        drifted: true,
        appliedGeneration: 1,
        generation: 2,
        driftedBy: expect.objectContaining({ actor: 'user:admin', operation: 'apply' }),
      }),
    ]);
    expect((one.body.items[0] as { driftedBy?: unknown }).driftedBy).toBeUndefined();
    // Applying the set again brings the member back to what the files say: no drift.
    expect((await apply('applyset=drifting', devices('drifting', 2))).status).toBe(200);
    const again = await call<{ items: Array<{ name: string; drifted: number }> }>(
      suite.server,
      'GET',
      '/api/v1/applysets',
    );
    expect(again.body.items.find((set) => set.name === 'drifting')?.drifted).toBe(0);
  });

  it('handles sets larger than one statement: 1,200 members applied, 20 pruned', async () => {
    const many = devices('many', 1200);
    const first = await apply('applyset=many', many);
    expect(first.status, JSON.stringify(first.body).slice(0, 300)).toBe(200);
    const pruned = await apply('applyset=many&prune=true&maxDeletions=20', many.slice(0, 1180));
    expect(pruned.status, JSON.stringify(pruned.body).slice(0, 300)).toBe(200);
    expect(pruned.body.deletions).toHaveLength(20);
    const set = await call<{ members: number }>(suite.server, 'GET', '/api/v1/applysets/many');
    expect(set.body.members).toBe(1180);
  });

  it('applies the examples/gitops repository, one apply set per directory, then prunes a removed device', async () => {
    const dir = fileURLToPath(new URL('../../examples/gitops/', import.meta.url));
    const yamlOf = (...files: string[]) =>
      files.map((file) => readFileSync(join(dir, file), 'utf8')).join('\n---\n');
    const applyYaml = (query: string, yaml: string) =>
      call<Result>(suite.server, 'POST', `/api/v1/apply?${query}`, { yaml });
    expect(
      (await applyYaml('applyset=base&prune=true', yamlOf('base/ca.yaml', 'base/groups.yaml'))).status,
    ).toBe(200);
    const staging = yamlOf('environments/staging/devices.yaml');
    expect((await applyYaml('applyset=staging&prune=true', staging)).status).toBe(200);
    const production = await applyYaml(
      'applyset=production&prune=true',
      yamlOf('environments/production/devices.yaml'),
    );
    expect(production.status, JSON.stringify(production.body)).toBe(200);
    expect(await exists('prd-gw-001')).toBe(true);
    // A device removed from staging's file is pruned by the next apply (1 of 2: within 50 %).
    const first = staging.split(/^---$/m)[0];
    const pruned = await applyYaml('applyset=staging&prune=true&maxDeletionPercent=50', first);
    expect(pruned.body.deletions).toEqual([{ kind: 'Device', name: 'stg-gw-002', result: 'pruned' }]);
  });
});
