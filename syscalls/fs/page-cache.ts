// Keeps MAP_SHARED file mappings and file I/O coherent, as the kernel's page cache does: stores to a
// shared mapping reach the file before the file is read or written, and a write shows in the mapping.
import { SyscallContext } from '../context';
import { OpenFile } from '../fd-table';
import { fileIdentity } from '../mapped-file';

const identityOf = (file: OpenFile): string | undefined =>
  file.hostFd === undefined ? undefined : fileIdentity(file.hostFd);

/** Runs io, which reads the files in `reads` and changes the files in `changes`. */
export function withPageCache<T>(ctx: SyscallContext, reads: OpenFile[], changes: OpenFile[], io: () => T): T {
  if (!ctx.space.hasSharedFileMappings()) return io();
  const changed = changes.map(identityOf);
  for (const id of [...reads.map(identityOf), ...changed]) if (id) ctx.space.writeBackFile(id);
  try {
    return io();
  } finally {
    for (const id of changed) if (id) ctx.space.reloadFile(id);
  }
}

/** After a file changed outside withPageCache (opened with O_TRUNC). */
export function fileChanged(ctx: SyscallContext, file: OpenFile): void {
  if (!ctx.space.hasSharedFileMappings()) return;
  const id = identityOf(file);
  if (id) ctx.space.reloadFile(id);
}
