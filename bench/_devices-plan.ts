/** What bench/devices.ts hands its load process, what each phase answers, and CPU time from /proc. */
import { readFileSync } from 'node:fs';

export interface LoadPlan {
  restUrl: string;
  session: string;
  caName: string;
  deviceUrl: string;
  trustPem: string;
  enrollToken: string;
  serverPid: number;
  devices: number;
  concurrency: number;
  /** Offered check-ins per second of the paced phase. */
  rate: number;
  seconds: number;
  saturatedSeconds: number;
}

export interface PhaseResult {
  phase: string;
  count: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  serverCpuMs: number;
  loadCpuMs: number;
  errors: Record<string, number>;
}

/** User + system CPU ms of a process (fields 14 and 15 of /proc/<pid>/stat, 100 ticks a second). */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
