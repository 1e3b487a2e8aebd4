import { EntitySchema } from '@mikro-orm/core';

/** A member of an apply set: the primary key makes a resource belong to one set at most. */
export interface ApplySetMemberRow {
  tenant: string;
  kind: string;
  name: string;
  applyset: string;
  /** The generation the set's last apply left it at (a later one means someone changed its spec or metadata since). */
  applied_generation: number;
  applied_changeset: string;
}

export const ApplySetMemberEntity = new EntitySchema<ApplySetMemberRow>({
  name: 'ApplySetMember',
  tableName: 'applyset_members',
  properties: {
    tenant: { type: 'string', length: 63, primary: true },
    kind: { type: 'string', length: 63, primary: true },
    name: { type: 'string', length: 63, primary: true },
    applyset: { type: 'string', length: 63 },
    applied_generation: { type: 'integer', fieldName: 'applied_generation' },
    applied_changeset: { type: 'string', fieldName: 'applied_changeset', length: 36 },
  },
  indexes: [{ name: 'applyset_members_set', properties: ['tenant', 'applyset'] }],
});

/** An apply set: its last apply. */
export interface ApplySetRow {
  tenant: string;
  name: string;
  last_changeset: string;
  last_applied_at: string;
  last_applied_by: string;
}

export const ApplySetEntity = new EntitySchema<ApplySetRow>({
  name: 'ApplySet',
  tableName: 'applysets',
  properties: {
    tenant: { type: 'string', length: 63, primary: true },
    name: { type: 'string', length: 63, primary: true },
    last_changeset: { type: 'string', fieldName: 'last_changeset', length: 36 },
    last_applied_at: { type: 'string', fieldName: 'last_applied_at', length: 30 },
    last_applied_by: { type: 'string', fieldName: 'last_applied_by', length: 256 },
  },
});

export const APPLYSET_ENTITIES = [ApplySetMemberEntity, ApplySetEntity];
