import { Migration } from '@mikro-orm/migrations';

/*
 * `login_attempts`: the login limits (src/auth/login-limits.ts) kept in the database, so that
 * every Steward process on one database counts the same attempts. One row per attempt and limit,
 * reserved before the password is checked; rows leave the table when their window has passed.
 */

export class LoginAttemptsSqlite extends Migration {
  override up(): void {
    this.addSql(
      'create table `login_attempts` (`limit_key` text not null, `attempt` text not null, `at` bigint not null, primary key (`limit_key`, `attempt`))',
    );
    this.addSql('create index `login_attempts_key_at` on `login_attempts` (`limit_key`, `at`)');
  }
}

export class LoginAttemptsPostgresql extends Migration {
  override up(): void {
    this.addSql(
      'create table "login_attempts" ("limit_key" varchar(64) not null, "attempt" varchar(36) not null, "at" bigint not null, constraint "login_attempts_pkey" primary key ("limit_key", "attempt"))',
    );
    this.addSql('create index "login_attempts_key_at" on "login_attempts" ("limit_key", "at")');
  }
}
