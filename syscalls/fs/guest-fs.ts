// The guest's view of the file system: a root directory on the host, the guest cwd (a guest path)
// and umask. Every guest path is resolved here, component by component, so nothing leaves the root.
import * as fs from 'fs';
import * as path from 'path';
import { Errno, SyscallError } from '../errno';
import { MAX_SYMLINKS, NAME_MAX, S_IFDIR, S_IFLNK, S_IFMT } from './constants';
import { hostCall } from './host-call';
import { ProcView, VirtualNode, lookupVirtual } from './proc';

/** Where a guest path leads: a host file (maybe missing), a synthesized node, or an fd's magic link. */
export type Target =
  | { readonly kind: 'host'; readonly guestPath: string; readonly hostPath: string; readonly stats: fs.BigIntStats | undefined }
  | { readonly kind: 'virtual'; readonly guestPath: string; readonly node: VirtualNode }
  | { readonly kind: 'fd'; readonly guestPath: string; readonly fd: number };

export interface ResolveOptions {
  /** Follow a symlink in the last component (stat, open without O_NOFOLLOW); lstat and unlink do not. */
  readonly followLast: boolean;
}

export class GuestFs {
  /** The root as a canonical host path (no symlinks, no trailing slash unless it is '/'). */
  readonly root: string;
  /** The current directory as a guest path: absolute, normalized. */
  cwd: string;
  umask = 0o022;

  constructor(root = '/', hostCwd = process.cwd()) {
    this.root = fs.realpathSync(root);
    this.cwd = this.hostToGuest(safeRealpath(hostCwd)) ?? '/';
  }

  /** The guest path of a host path inside the root, or undefined when it lies outside. */
  hostToGuest(hostPath: string): string | undefined {
    if (this.root === '/') return hostPath;
    if (hostPath === this.root) return '/';
    if (hostPath.startsWith(this.root + '/')) return hostPath.slice(this.root.length);
    return undefined;
  }

  /** The host path of a normalized guest path (components already resolved). */
  guestToHost(components: readonly string[]): string {
    const joined = components.join('/');
    return this.root === '/' ? '/' + joined : joined ? this.root + '/' + joined : this.root;
  }

  /**
   * Resolves path relative to base (a normalized absolute guest path: the cwd or a directory fd's
   * path). '..' stops at the root; absolute symlinks restart at the root, relative ones continue
   * from the link's directory; more than MAX_SYMLINKS links give ELOOP.
   */
  resolve(view: ProcView, base: string, guestPath: string, options: ResolveOptions): Target {
    if (guestPath === '') throw new SyscallError(Errno.ENOENT);
    let current = guestPath.startsWith('/') ? [] : splitPath(base);
    const pending = splitPath(guestPath);
    const trailingSlash = guestPath.endsWith('/');
    let links = 0;
    while (pending.length > 0) {
      const name = pending.shift() as string;
      const isLast = pending.length === 0;
      if (name === '.') {
        if (isLast) return this.finish(view, current);
        continue;
      }
      if (name === '..') {
        current = current.slice(0, -1);
        if (isLast) return this.finish(view, current);
        continue;
      }
      if (Buffer.byteLength(name) > NAME_MAX) throw new SyscallError(Errno.ENAMETOOLONG);
      const next = [...current, name];
      const follow = !isLast || options.followLast || trailingSlash;
      const node = lookupVirtual(view, next);
      if (node) {
        if (node.type === 'link' && follow) {
          if (node.fd !== undefined && isLast) return { kind: 'fd', guestPath: '/' + next.join('/'), fd: node.fd };
          if (++links > MAX_SYMLINKS) throw new SyscallError(Errno.ELOOP);
          const target = node.target();
          if (target.startsWith('/')) current = [];
          else if (!target.includes('/') && node.fd !== undefined) throw new SyscallError(Errno.ENOENT); // pipe:[N] and the like
          pending.unshift(...splitPath(target));
          continue;
        }
        if (!isLast && node.type !== 'dir') throw new SyscallError(Errno.ENOTDIR);
        current = next;
        if (isLast) return { kind: 'virtual', guestPath: '/' + next.join('/'), node };
        continue;
      }
      const hostPath = this.guestToHost(next);
      const stats = hostCall(() => fs.lstatSync(hostPath, { bigint: true, throwIfNoEntry: false }));
      if (!stats) {
        if (isLast) return { kind: 'host', guestPath: '/' + next.join('/'), hostPath, stats: undefined };
        throw new SyscallError(Errno.ENOENT);
      }
      const type = Number(stats.mode) & S_IFMT;
      if (type === S_IFLNK && follow) {
        if (++links > MAX_SYMLINKS) throw new SyscallError(Errno.ELOOP);
        const target = hostCall(() => fs.readlinkSync(hostPath, { encoding: 'buffer' })).toString('utf8');
        // An absolute target is re-rooted: '/etc' in the guest is <root>/etc on the host.
        if (target.startsWith('/')) current = [];
        pending.unshift(...splitPath(target));
        if (pending.length === 0) return this.finish(view, current);
        continue;
      }
      if (!isLast && type !== S_IFDIR) throw new SyscallError(Errno.ENOTDIR);
      current = next;
      if (isLast) {
        if (trailingSlash && type !== S_IFDIR) throw new SyscallError(Errno.ENOTDIR);
        return { kind: 'host', guestPath: '/' + next.join('/'), hostPath, stats };
      }
    }
    return this.finish(view, current);
  }

  /** A walk that ended on '.', '..', a bare link target or the root itself: the directory reached. */
  private finish(view: ProcView, components: string[]): Target {
    const guestPath = '/' + components.join('/');
    const node = components.length > 0 ? lookupVirtual(view, components) : undefined;
    if (node) return { kind: 'virtual', guestPath, node };
    const hostPath = this.guestToHost(components);
    const stats = hostCall(() => fs.lstatSync(hostPath, { bigint: true, throwIfNoEntry: false }));
    return { kind: 'host', guestPath, hostPath, stats };
  }
}

/** The components of a path, dropping empty ones (repeated and trailing slashes). */
export function splitPath(guestPath: string): string[] {
  return guestPath.split('/').filter((part) => part !== '');
}

/** The directory part of a normalized guest path ('/' for '/x'). */
export function guestDirname(guestPath: string): string {
  return path.posix.dirname(guestPath);
}

function safeRealpath(hostPath: string): string {
  try {
    return fs.realpathSync(hostPath);
  } catch {
    return hostPath;
  }
}
