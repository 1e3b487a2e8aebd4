/**
 * Concurrent reads of the same thing share one query. Under an enrollment storm hundreds of
 * requests ask, within the same milliseconds, for the same CA's resource, key and chain; each
 * waiting for its own copy would put every one of those queries on the database's single writer
 * connection (SQLite) between the batches that matter. A caller that arrives while a read is in
 * flight gets that read's answer, which is no older than the moment it arrived at (the read ends
 * after it), so it is as fresh as a read of its own; a caller arriving after it ended starts anew.
 * Failures are shared the same way and never remembered.
 */
export class SingleFlight<T> {
  private readonly flying = new Map<string, Promise<T>>();

  run(key: string, read: () => Promise<T>): Promise<T> {
    const flying = this.flying.get(key);
    if (flying) return flying;
    const started = read().finally(() => this.flying.delete(key));
    this.flying.set(key, started);
    return started;
  }
}
