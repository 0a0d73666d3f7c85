// futex for a single-threaded guest: wake finds no waiters; a wait whose word already differs
// returns EAGAIN, and a wait that would block forever (nobody else can ever wake it) reports EDEADLK.
import { SyscallArgs, SyscallContext } from './context';
import { Errno } from './errno';
import { readGuest } from './guest-access';
import { SyscallSpec } from './spec';
import { uint32 } from './values';

const FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4, FUTEX_WAKE_OP = 5;
const FUTEX_WAIT_BITSET = 9, FUTEX_WAKE_BITSET = 10;
const FUTEX_CMD_MASK = ~(128 | 256); // PRIVATE and CLOCK_REALTIME flags

function sysFutex(ctx: SyscallContext, args: SyscallArgs): number {
  const [uaddr, op, val, timeout] = args;
  const cmd = Number(op) & FUTEX_CMD_MASK;
  switch (cmd) {
    case FUTEX_WAKE: case FUTEX_WAKE_BITSET: case FUTEX_REQUEUE: case FUTEX_CMP_REQUEUE: case FUTEX_WAKE_OP:
      return 0;
    case FUTEX_WAIT: case FUTEX_WAIT_BITSET: {
      if (uaddr & 3n) return -Errno.EINVAL;
      const word = new DataView(readGuest(ctx, uaddr, 4).buffer).getUint32(0, true);
      if (word !== uint32(val)) return -Errno.EAGAIN;
      // With one thread nothing can change the word: a timed wait times out, an untimed one never ends.
      return timeout !== 0n ? -Errno.ETIMEDOUT : -Errno.EDEADLK;
    }
    default:
      return -Errno.ENOSYS;
  }
}

export const FUTEX_SYSCALLS: Readonly<Record<string, SyscallSpec>> = {
  futex: { args: ['ptr', 'int', 'int', 'ptr', 'ptr', 'int'], ret: 'int', handler: sysFutex },
};
