// The host kernel's view of this process that Node does not expose: process group and session,
// resource limits, CPU affinity, memory totals, read from /proc and /sys (Ferry runs on Linux).
import * as fs from 'fs';
import * as os from 'os';

export interface Limit {
  soft: bigint;
  hard: bigint;
}

const RLIM_INFINITY = 0xffff_ffff_ffff_ffffn;

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'latin1');
  } catch {
    return undefined;
  }
}

/** Process group and session of a host process, or undefined when there is no such process. */
export function hostProcessIds(pid: number): { pgid: number; sid: number } | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // Fields after the command name (which may hold spaces and parentheses): state ppid pgrp session.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { pgid: Number(fields[2]), sid: Number(fields[3]) };
}

/** The CPU this process last ran on (field 39 of /proc/self/stat). */
export function hostLastCpu(): number {
  const stat = readText('/proc/self/stat') ?? '';
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[36] ?? 0);
}

/** The 16 resource limits in RLIMIT_* order, as /proc/self/limits lists them. */
let limits: Limit[] | undefined;
export function hostLimits(): readonly Limit[] {
  if (limits) return limits;
  const parse = (word: string): bigint => (word === 'unlimited' ? RLIM_INFINITY : BigInt(word));
  const lines = (readText('/proc/self/limits') ?? '').split('\n').slice(1).filter((line) => line.trim());
  limits = lines.map((line) => {
    // Columns are fixed-width: name (26), soft (21), hard (21), units.
    const [soft, hard] = line.slice(26).trim().split(/\s+/);
    return { soft: parse(soft), hard: parse(hard) };
  });
  while (limits.length < 16) limits.push({ soft: RLIM_INFINITY, hard: RLIM_INFINITY });
  return limits;
}

/** Parses a CPU list such as "0-3,6". */
function cpuList(text: string): number[] {
  const cpus: number[] = [];
  for (const part of text.trim().split(',').filter(Boolean)) {
    const [first, last] = part.split('-').map(Number);
    for (let cpu = first; cpu <= (last ?? first); cpu++) cpus.push(cpu);
  }
  return cpus;
}

/** The CPUs this process may run on. */
export function hostCpuAffinity(): number[] {
  const status = readText('/proc/self/status') ?? '';
  const allowed = /^Cpus_allowed_list:\s*(\S+)/m.exec(status);
  return allowed ? cpuList(allowed[1]) : os.cpus().map((_, i) => i);
}

/** How many CPUs the kernel could ever bring up (nr_cpu_ids): the size of its CPU masks. */
export function hostCpuCount(): number {
  const possible = readText('/sys/devices/system/cpu/possible');
  const cpus = possible ? cpuList(possible) : [];
  return cpus.length ? Math.max(...cpus) + 1 : os.cpus().length;
}

/** The size of the kernel's CPU masks: NR_CPUS (kernel_max + 1) bits in whole longs. */
export function hostCpuMaskBytes(): number {
  const kernelMax = Number(readText('/sys/devices/system/cpu/kernel_max') ?? hostCpuCount() - 1);
  return Math.ceil((kernelMax + 1) / 64) * 8;
}

/** The memory and task counts sysinfo(2) reports, in bytes. */
export function hostSysinfo() {
  const meminfo = readText('/proc/meminfo') ?? '';
  const kb = (name: string): bigint => BigInt(new RegExp(`^${name}:\\s*(\\d+)`, 'm').exec(meminfo)?.[1] ?? '0') * 1024n;
  const tasks = /\d+\/(\d+)/.exec(readText('/proc/loadavg') ?? '')?.[1];
  return {
    totalram: kb('MemTotal'), freeram: kb('MemFree'), sharedram: kb('Shmem'), bufferram: kb('Buffers'),
    totalswap: kb('SwapTotal'), freeswap: kb('SwapFree'), procs: Number(tasks ?? 1) & 0xffff,
  };
}
