/** Raw extension values of a DER certificate, read with @peculiar/asn1-x509 (synchronous). */
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { MalformedInput } from './result.js';

/**
 * The contents of the extnValue OCTET STRING of each extension, by OID. Pure.
 * @throws MalformedInput when the certificate does not parse or repeats an extension.
 */
export function extensionValues(der: Uint8Array): Map<string, Buffer> {
  let certificate: Certificate;
  try {
    certificate = AsnConvert.parse(Buffer.from(der), Certificate);
  } catch {
    throw new MalformedInput('the certificate is not DER X.509');
  }
  const values = new Map<string, Buffer>();
  for (const extension of certificate.tbsCertificate.extensions ?? []) {
    if (values.has(extension.extnID))
      throw new MalformedInput(`the certificate repeats extension ${extension.extnID}`);
    values.set(extension.extnID, Buffer.from(extension.extnValue.buffer));
  }
  return values;
}
