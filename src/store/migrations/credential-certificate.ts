import { Migration } from '@mikro-orm/migrations';

/*
 * A token minted by the x5c exchange keeps the SHA-256 fingerprint of the client certificate it
 * was exchanged with, so that revoking that certificate (through its Steward CA) revokes the
 * token in the same transaction: a revoked certificate must not keep an hour of access. Null for
 * every other credential. Indexed: a revocation looks tokens up by it.
 */
export class CredentialCertificateSqlite extends Migration {
  override up(): void {
    this.addSql('alter table `credentials` add column `certificate` varchar(64) null');
    this.addSql('create index `credentials_certificate` on `credentials` (`certificate`)');
  }
}

export class CredentialCertificatePostgresql extends Migration {
  override up(): void {
    this.addSql('alter table "credentials" add column "certificate" varchar(64) null');
    this.addSql('create index "credentials_certificate" on "credentials" ("certificate")');
  }
}
