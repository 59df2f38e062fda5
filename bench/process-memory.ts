/** Memory of a benchmark's processes, from /proc/<pid>/status (Linux). */
import { readFileSync } from 'node:fs';

/** A field of /proc/<pid>/status in bytes (VmHWM = peak RSS, VmRSS = current); null once gone. */
export function procMemoryBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}
