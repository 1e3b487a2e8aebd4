import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTITIES } from '../../src/app/compose.js';
import { systemContext } from '../../src/context.js';
import { EnrollTokenService } from '../../src/devices/enroll-tokens.js';
import { JournalWriter } from '../../src/journal/journal-writer.js';
import type { StoredResource } from '../../src/resources/model.js';
import { Database } from '../../src/store/database.js';
import { DIALECTS, type TestDatabase } from '../support/databases.js';

const CONTEXT = systemContext('default', { type: 'user', id: 'u1', name: 'ops' }, 'request-1');
const PARALLEL = 20;

/**
 * `consume` is the one place where enrollments race for a token's uses: a single conditional
 * UPDATE, which must let exactly as many through as there are uses left, on both databases.
 */
describe.each(DIALECTS)('consuming enrollment tokens concurrently on $dialect', ({ create }) => {
  let database: TestDatabase;
  let db: Database;
  let service: EnrollTokenService;

  beforeAll(async () => {
    database = await create();
    db = await Database.open(database.url, ENTITIES);
    // Every CA exists: this suite is about uses, not references.
    const store = { get: async () => ({ deletionTimestamp: null }) as unknown as StoredResource };
    service = new EnrollTokenService({ db, store, journal: new JournalWriter(db), clock: () => new Date() });
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  /** PARALLEL transactions at once, each taking one use and holding its transaction a moment. */
  async function race(id: string, now: Date): Promise<boolean[]> {
    return Promise.all(
      Array.from({ length: PARALLEL }, () =>
        db.transaction(async (trx) => {
          const taken = await service.consume(trx, id, now);
          await new Promise((resolve) => setTimeout(resolve, 5));
          return taken;
        }),
      ),
    );
  }

  it(`lets exactly one of ${PARALLEL} parallel enrollments take a single-use token`, async () => {
    const token = await service.create(CONTEXT, { caRef: 'fleet-issuing' });
    const outcomes = await race(token.id, new Date());
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    const row = await db.knex('enroll_tokens').where({ id: token.id }).first();
    expect(Number(row.uses)).toBe(1);
    expect(await service.authenticate(token.token, new Date())).toMatchObject({
      ok: false,
      reason: 'UsedUp',
    });
  });

  it('lets exactly as many through as a multi-use token has uses left', async () => {
    const token = await service.create(CONTEXT, { caRef: 'fleet-issuing', maxUses: 7 });
    const outcomes = await race(token.id, new Date());
    expect(outcomes.filter(Boolean)).toHaveLength(7);
    const [listed] = (await service.list(CONTEXT)).filter((item) => item.id === token.id);
    expect(listed).toMatchObject({ uses: 7, remaining: 0 });
  });

  it('takes no use of an expired or unknown token, and none on rollback', async () => {
    const token = await service.create(CONTEXT, { caRef: 'fleet-issuing', maxUses: 3, expiresIn: '1h' });
    const afterExpiry = new Date(Date.parse(token.expiresAt));
    expect(await db.transaction((trx) => service.consume(trx, token.id, afterExpiry))).toBe(false);
    expect(await db.transaction((trx) => service.consume(trx, 'ffffffffffffffff', new Date()))).toBe(false);
    await expect(
      db.transaction(async (trx) => {
        expect(await service.consume(trx, token.id, new Date())).toBe(true);
        throw new Error('enrollment failed after taking the use');
      }),
    ).rejects.toThrow('enrollment failed');
    const row = await db.knex('enroll_tokens').where({ id: token.id }).first();
    expect(Number(row.uses)).toBe(0);
  });
});
