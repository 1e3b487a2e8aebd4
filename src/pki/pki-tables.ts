/**
 * The PKI's tables. Times are ISO-8601 UTC text (24 characters from `toISOString`), which sorts and
 * compares the same on SQLite and PostgreSQL. Private keys exist only sealed (see master-key.ts).
 */
import { EntitySchema } from '@mikro-orm/core';

/** One row per CertificateAuthority that has material: what is current, and its CRL counter. */
export interface AuthorityRow {
  tenant: string;
  name: string;
  /** pki_keys.id of the key the current certificate certifies. */
  key_id: string;
  /** pki_ca_certificates.fingerprint of the current certificate. */
  fingerprint: string;
  /**
   * cRLNumber of the last CRL published under any of the CA's keys (0 = none yet): one counter
   * for all of them, so the numbers of the CA's CRLs increase whichever key signs (RFC 5280 §5.2.3).
   */
  crl_number: number | string;
  updated_at: string;
}

export const AuthorityEntity = new EntitySchema<AuthorityRow>({
  name: 'PkiAuthority',
  tableName: 'pki_authorities',
  properties: {
    tenant: { type: 'string', length: 63, primary: true },
    name: { type: 'string', length: 63, primary: true },
    key_id: { type: 'string', fieldName: 'key_id', length: 36 },
    fingerprint: { type: 'string', length: 64 },
    crl_number: { type: 'bigint', fieldName: 'crl_number', default: 0 },
    updated_at: { type: 'string', fieldName: 'updated_at', length: 30 },
  },
});

/**
 * The published CRL of each key of a CA that still needs one: the current key, and every earlier
 * key while a CA certificate of it is unexpired (its leaves name this CRL in their distribution
 * point, `/pki/{tenant}/{ca}/crl/{keyId}`, and none outlives the certificate that signed it).
 */
export interface CrlRow {
  tenant: string;
  ca_name: string;
  key_id: string;
  crl_number: number | string;
  der: Buffer;
  this_update: string;
  next_update: string;
  /** The CA certificate (of that key) the CRL was signed under. */
  signed_by: string;
}

export const CrlEntity = new EntitySchema<CrlRow>({
  name: 'PkiCrl',
  tableName: 'pki_crls',
  properties: {
    tenant: { type: 'string', length: 63, primary: true },
    ca_name: { type: 'string', fieldName: 'ca_name', length: 63, primary: true },
    key_id: { type: 'string', fieldName: 'key_id', length: 36, primary: true },
    crl_number: { type: 'bigint', fieldName: 'crl_number' },
    der: { type: 'blob' },
    this_update: { type: 'string', fieldName: 'this_update', length: 30 },
    next_update: { type: 'string', fieldName: 'next_update', length: 30 },
    signed_by: { type: 'string', fieldName: 'signed_by', length: 64 },
  },
});

/** A CA private key, sealed with the master key; the associated data is `tenant/name/id`. */
export interface KeyRow {
  id: string;
  tenant: string;
  ca_name: string;
  algorithm: string;
  sealed_key: string;
  created_at: string;
}

export const KeyEntity = new EntitySchema<KeyRow>({
  name: 'PkiKey',
  tableName: 'pki_keys',
  properties: {
    id: { type: 'string', length: 36, primary: true },
    tenant: { type: 'string', length: 63 },
    ca_name: { type: 'string', fieldName: 'ca_name', length: 63 },
    algorithm: { type: 'string', length: 16 },
    sealed_key: { type: 'text', fieldName: 'sealed_key' },
    created_at: { type: 'string', fieldName: 'created_at', length: 30 },
  },
  indexes: [{ name: 'pki_keys_ca', properties: ['tenant', 'ca_name'] }],
});

/**
 * Every certificate a CA has had (the history): a renewed or re-issued certificate stays here, and
 * in the trust bundle, until it expires.
 */
export interface CaCertificateRow {
  tenant: string;
  ca_name: string;
  fingerprint: string;
  key_id: string;
  serial: string;
  certificate: string;
  not_before: string;
  not_after: string;
  subject_key_id: string;
  authority_key_id: string | null;
  path_len: number | null;
  /** The spec the certificate was made for (CaCertificateMadeFor), JSON text. */
  made_for: unknown;
  /** The parent CA that signed it (intermediates), for building chains. */
  parent_name: string | null;
  created_at: string;
}

export const CaCertificateEntity = new EntitySchema<CaCertificateRow>({
  name: 'PkiCaCertificate',
  tableName: 'pki_ca_certificates',
  properties: {
    tenant: { type: 'string', length: 63, primary: true },
    ca_name: { type: 'string', fieldName: 'ca_name', length: 63, primary: true },
    fingerprint: { type: 'string', length: 64, primary: true },
    key_id: { type: 'string', fieldName: 'key_id', length: 36 },
    serial: { type: 'string', length: 40 },
    certificate: { type: 'text' },
    not_before: { type: 'string', fieldName: 'not_before', length: 30 },
    not_after: { type: 'string', fieldName: 'not_after', length: 30 },
    subject_key_id: { type: 'string', fieldName: 'subject_key_id', length: 64 },
    authority_key_id: { type: 'string', fieldName: 'authority_key_id', length: 64, nullable: true },
    path_len: { type: 'integer', fieldName: 'path_len', nullable: true },
    made_for: { type: 'json', fieldName: 'made_for' },
    parent_name: { type: 'string', fieldName: 'parent_name', length: 63, nullable: true },
    created_at: { type: 'string', fieldName: 'created_at', length: 30 },
  },
  indexes: [{ name: 'pki_ca_certificates_key', properties: ['tenant', 'ca_name', 'subject_key_id'] }],
});

/** Every certificate a CA issued (leaves, and its intermediates' certificates), for revocation and audit. */
export interface IssuedRow {
  tenant: string;
  ca_name: string;
  serial: string;
  fingerprint: string;
  subject: string;
  profile: string;
  not_before: string;
  not_after: string;
  owner_kind: string | null;
  owner_name: string | null;
  /** The CA certificate that signed it. */
  issuer_fingerprint: string;
  issued_at: string;
  revoked_at: string | null;
  revocation_reason: string | null;
}

export const IssuedEntity = new EntitySchema<IssuedRow>({
  name: 'PkiIssuedCertificate',
  tableName: 'pki_issued_certificates',
  properties: {
    tenant: { type: 'string', length: 63, primary: true },
    ca_name: { type: 'string', fieldName: 'ca_name', length: 63, primary: true },
    serial: { type: 'string', length: 40, primary: true },
    fingerprint: { type: 'string', length: 64 },
    subject: { type: 'text' },
    profile: { type: 'string', length: 16 },
    not_before: { type: 'string', fieldName: 'not_before', length: 30 },
    not_after: { type: 'string', fieldName: 'not_after', length: 30 },
    owner_kind: { type: 'string', fieldName: 'owner_kind', length: 63, nullable: true },
    owner_name: { type: 'string', fieldName: 'owner_name', length: 255, nullable: true },
    issuer_fingerprint: { type: 'string', fieldName: 'issuer_fingerprint', length: 64 },
    issued_at: { type: 'string', fieldName: 'issued_at', length: 30 },
    revoked_at: { type: 'string', fieldName: 'revoked_at', length: 30, nullable: true },
    revocation_reason: { type: 'string', fieldName: 'revocation_reason', length: 32, nullable: true },
  },
  indexes: [
    // Listing pages in issue order; the unexpired count (deletion) and the CRL read the other two.
    { name: 'pki_issued_order', properties: ['tenant', 'ca_name', 'issued_at', 'serial'] },
    { name: 'pki_issued_not_after', properties: ['tenant', 'ca_name', 'not_after'] },
    { name: 'pki_issued_revoked', properties: ['tenant', 'ca_name', 'revoked_at'] },
    { name: 'pki_issued_owner', properties: ['tenant', 'owner_kind', 'owner_name'] },
    // The device API finds a client certificate by its fingerprint (any tenant: the certificate
    // says which), and follows revocations made by other processes by time.
    { name: 'pki_issued_fingerprint', properties: ['fingerprint'] },
    { name: 'pki_issued_revoked_at', properties: ['revoked_at'] },
  ],
});

/** The master key's check value (MasterKey.keyCheck), written on first start: a wrong key stops the server. */
export interface MasterKeyCheckRow {
  id: number;
  key_id: string;
  key_check: string;
  created_at: string;
}

export const MasterKeyCheckEntity = new EntitySchema<MasterKeyCheckRow>({
  name: 'PkiMasterKeyCheck',
  tableName: 'pki_master_key',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: false },
    key_id: { type: 'string', fieldName: 'key_id', length: 16 },
    key_check: { type: 'string', fieldName: 'key_check', length: 80 },
    created_at: { type: 'string', fieldName: 'created_at', length: 30 },
  },
});

/** Every table of the PKI, for the composition root's entity list. */
export const PKI_ENTITIES = [
  AuthorityEntity,
  KeyEntity,
  CaCertificateEntity,
  IssuedEntity,
  CrlEntity,
  MasterKeyCheckEntity,
];

export const TABLES = {
  authorities: 'pki_authorities',
  keys: 'pki_keys',
  caCertificates: 'pki_ca_certificates',
  issued: 'pki_issued_certificates',
  crls: 'pki_crls',
  masterKey: 'pki_master_key',
} as const;
