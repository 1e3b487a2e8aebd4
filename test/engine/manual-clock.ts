import type { Clock } from '../../src/engine/queue/work-queue.js';

/** A clock that moves only when told: timers fire inside `advance`, in due order. */
export class ManualClock implements Clock {
  private time: number;
  private timers: Array<{ due: number; callback: () => void; id: number }> = [];
  private nextId = 1;

  constructor(start = Date.parse('2030-01-01T00:00:00Z')) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ due: this.time + ms, callback, id });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((timer) => timer.id !== handle);
  }

  /** Moves time forward by `ms`, firing due timers; returns how many fired. */
  advance(ms: number): number {
    const until = this.time + ms;
    let fired = 0;
    for (;;) {
      const due = this.timers.filter((timer) => timer.due <= until).sort((a, b) => a.due - b.due)[0];
      if (!due) break;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.time = due.due;
      due.callback();
      fired++;
    }
    this.time = until;
    return fired;
  }

  pending(): number[] {
    return this.timers.map((timer) => timer.due - this.time).sort((a, b) => a - b);
  }
}
