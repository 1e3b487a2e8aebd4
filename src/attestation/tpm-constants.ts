/** TPM 2.0 constants (TPM 2.0 Part 2, Structures) used by the attestation checks. */

/** TPM_ALG_ID values. */
export const TpmAlg = {
  RSA: 0x0001,
  SHA1: 0x0004,
  HMAC: 0x0005,
  AES: 0x0006,
  KEYEDHASH: 0x0008,
  SHA256: 0x000b,
  SHA384: 0x000c,
  SHA512: 0x000d,
  NULL: 0x0010,
  RSASSA: 0x0014,
  RSAES: 0x0015,
  RSAPSS: 0x0016,
  OAEP: 0x0017,
  ECDSA: 0x0018,
  ECDH: 0x0019,
  ECDAA: 0x001a,
  ECC: 0x0023,
  CFB: 0x0043,
} as const;

/** TPM_ECC_CURVE values and their Node / JWK names. */
export const TPM_ECC_CURVES: ReadonlyMap<number, { jwk: 'P-256' | 'P-384' | 'P-521'; bytes: number }> =
  new Map([
    [0x0003, { jwk: 'P-256', bytes: 32 }],
    [0x0004, { jwk: 'P-384', bytes: 48 }],
    [0x0005, { jwk: 'P-521', bytes: 66 }],
  ]);

/** TPMA_OBJECT bits. */
export const TpmaObject = {
  fixedTPM: 1 << 1,
  stClear: 1 << 2,
  fixedParent: 1 << 4,
  sensitiveDataOrigin: 1 << 5,
  userWithAuth: 1 << 6,
  adminWithPolicy: 1 << 7,
  noDA: 1 << 10,
  encryptedDuplication: 1 << 11,
  restricted: 1 << 16,
  decrypt: 1 << 17,
  sign: 1 << 18,
} as const;

/** TPM_GENERATED_VALUE: the magic a TPM puts in front of everything it signs as an attestation. */
export const TPM_GENERATED_VALUE = 0xff544347;

/** TPM_ST_ATTEST_QUOTE. */
export const TPM_ST_ATTEST_QUOTE = 0x8018;
