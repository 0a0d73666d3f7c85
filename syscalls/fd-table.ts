// The guest's file descriptors, each standing for a host file descriptor; freestanding programs
// see only stdin, stdout and stderr.

export class FdTable {
  private readonly hostFds = new Map<number, number>();

  /** A table whose guest fds 0, 1 and 2 are the host's. */
  static withStdio(): FdTable {
    const table = new FdTable();
    for (const fd of [0, 1, 2]) table.set(fd, fd);
    return table;
  }

  /** The host fd behind a guest fd, or undefined when the guest fd is not open. */
  hostFd(guestFd: number): number | undefined {
    return this.hostFds.get(guestFd);
  }

  set(guestFd: number, hostFd: number): void {
    this.hostFds.set(guestFd, hostFd);
  }

  close(guestFd: number): boolean {
    return this.hostFds.delete(guestFd);
  }
}
