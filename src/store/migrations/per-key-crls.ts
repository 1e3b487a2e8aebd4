import { Migration } from '@mikro-orm/migrations';

/*
 * A CRL per CA key (issue #13): after a key rotation the leaves of the earlier key keep a CRL
 * signed by that key. The CRL that was stored on pki_authorities moves to pki_crls under the
 * current key; pki_authorities keeps only the CA-wide cRLNumber counter. SQL as MikroORM
 * generates it from CrlEntity.
 */
const COPY = (q: string) =>
  `insert into ${q}pki_crls${q} (${q}tenant${q}, ${q}ca_name${q}, ${q}key_id${q}, ${q}crl_number${q}, ${q}der${q}, ${q}this_update${q}, ${q}next_update${q}, ${q}signed_by${q}) select ${q}tenant${q}, ${q}name${q}, ${q}key_id${q}, ${q}crl_number${q}, ${q}crl_der${q}, ${q}crl_this_update${q}, ${q}crl_next_update${q}, ${q}crl_signed_by${q} from ${q}pki_authorities${q} where ${q}crl_der${q} is not null and ${q}crl_this_update${q} is not null and ${q}crl_next_update${q} is not null and ${q}crl_signed_by${q} is not null`;
const DROPPED = ['crl_der', 'crl_this_update', 'crl_next_update', 'crl_signed_by'];

export class PerKeyCrlsSqlite extends Migration {
  override up(): void {
    this.addSql(
      'create table `pki_crls` (`tenant` text not null, `ca_name` text not null, `key_id` text not null, `crl_number` bigint not null, `der` blob not null, `this_update` text not null, `next_update` text not null, `signed_by` text not null, primary key (`tenant`, `ca_name`, `key_id`))',
    );
    this.addSql(COPY('`'));
    for (const column of DROPPED) this.addSql(`alter table \`pki_authorities\` drop column \`${column}\``);
  }
}

export class PerKeyCrlsPostgresql extends Migration {
  override up(): void {
    this.addSql(
      'create table "pki_crls" ("tenant" varchar(63) not null, "ca_name" varchar(63) not null, "key_id" varchar(36) not null, "crl_number" bigint not null, "der" bytea not null, "this_update" varchar(30) not null, "next_update" varchar(30) not null, "signed_by" varchar(64) not null, constraint "pki_crls_pkey" primary key ("tenant", "ca_name", "key_id"))',
    );
    this.addSql(COPY('"'));
    for (const column of DROPPED) this.addSql(`alter table "pki_authorities" drop column "${column}"`);
  }
}
