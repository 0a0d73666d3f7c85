// What the guest inherits from Ferry's own process: fds 0-2 as open files on the host's stdio
// (never closed by the guest's close), and the program's path as /proc/self/exe shows it.
import * as fs from 'fs';
import { OpenFile } from '../fd-table';
import { O_NONBLOCK, O_RDWR } from './constants';
import { GuestFs } from './guest-fs';
import { HostFile } from './host-file';
import { hostFcntl } from './libc';

const F_GETFL = 3;

/** The host's fd as a guest open file: its path is what the host's /proc/self/fd says, mapped into the root. */
export function inheritedStdio(hostFd: number, guestFs?: GuestFs): OpenFile {
  let flags: number = O_RDWR;
  try {
    // O_NONBLOCK stays off: Ferry waits on a non-blocking host stdio for the guest (see host-io.ts).
    flags = hostFcntl(hostFd, F_GETFL, 0) & ~O_NONBLOCK;
  } catch {
    // A closed host fd: the guest gets one that fails like a terminal that went away.
  }
  let link = `/dev/fd/${hostFd}`;
  try {
    link = fs.readlinkSync(`/proc/self/fd/${hostFd}`);
  } catch {
    // No /proc on the host: keep the generic name.
  }
  const path = link.startsWith('/') ? guestFs?.hostToGuest(link) ?? link : link;
  return new HostFile(hostFd, path, flags, undefined, false);
}

/** /proc/self/exe names the program's canonical path inside the root, as the kernel's d_path does. */
export function guestExePath(guestFs: GuestFs, execfn: string): string {
  try {
    return guestFs.hostToGuest(fs.realpathSync(execfn)) ?? execfn;
  } catch {
    return execfn;
  }
}
