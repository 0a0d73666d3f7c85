// IR passes run on every block before code generation: dead-flag elimination, constant folding,
// and dead-code removal. Each keeps the block's guest-visible behaviour exactly.
import { ALL_FLAGS, Block, COND_READS, Flag, FlagSet, Op, Temp } from './ir';

const FLAG_BIT: Record<string, FlagSet> = { CF: Flag.CF, PF: Flag.PF, AF: Flag.AF, ZF: Flag.ZF, SF: Flag.SF, OF: Flag.OF };

export function flagsRead(op: Op): FlagSet {
  switch (op.op) {
    case 'select': case 'setcc': return COND_READS[op.cond];
    case 'getflag': return FLAG_BIT[op.flag];
    case 'cmc': return Flag.CF;
    case 'getrflags': return ALL_FLAGS;
    case 'arith': return op.kind === 'adc' || op.kind === 'sbb' ? Flag.CF : 0;
    case 'setflags': case 'resultflags': return op.unlessZero !== undefined ? op.flags : 0;
    case 'sideexit': return ALL_FLAGS;
    default: return 0;
  }
}

export function flagsWritten(op: Op): FlagSet {
  switch (op.op) {
    case 'arith': case 'logic': case 'setflags': case 'resultflags': case 'fcomi': return op.flags;
    case 'setrflags': return ALL_FLAGS;
    case 'cmc': return Flag.CF;
    default: return 0;
  }
}

/** Narrows each flag-writing op to the flags some later reader (or the block exit) needs. */
export function eliminateDeadFlags(block: Block): void {
  let live = ALL_FLAGS;
  for (let k = block.ops.length - 1; k >= 0; k--) {
    const op = block.ops[k];
    const writes = flagsWritten(op);
    const reads = flagsRead(op);
    if (op.op === 'arith' || op.op === 'logic' || op.op === 'setflags' || op.op === 'resultflags') op.live = op.flags & live;
    live = (live & ~writes) | reads;
  }
}

const MASK64 = (1n << 64n) - 1n;
function foldBin(kind: string, a: bigint, b: bigint, size: 4 | 8): bigint | undefined {
  const bits = BigInt(size * 8);
  const m = (1n << bits) - 1n;
  const sh = b & (bits - 1n);
  switch (kind) {
    case 'add': return (a + b) & m;
    case 'sub': return (a - b) & m;
    case 'and': return a & b & m;
    case 'or': return (a | b) & m;
    case 'xor': return (a ^ b) & m;
    case 'andn': return a & ~b & m;
    case 'shl': return (a << sh) & m;
    case 'shr': return (a & m) >> sh;
    case 'mul': return (a * b) & m;
    default: return undefined;
  }
}

/** Replaces operations on constants by constants. */
export function foldConstants(block: Block): void {
  const consts = new Map<Temp, bigint>();
  block.ops = block.ops.map((op): Op => {
    if (op.op === 'const') consts.set(op.dst, op.value & MASK64);
    if (op.op === 'bin' && consts.has(op.a) && consts.has(op.b)) {
      const v = foldBin(op.kind, consts.get(op.a)!, consts.get(op.b)!, op.size);
      if (v !== undefined) {
        consts.set(op.dst, v);
        return { op: 'const', dst: op.dst, value: v };
      }
    }
    if (op.op === 'ext' && consts.has(op.a)) {
      const bits = BigInt(op.from * 8);
      const v = consts.get(op.a)! & ((1n << bits) - 1n);
      const value = op.signed ? BigInt.asUintN(64, BigInt.asIntN(Number(bits), v)) : v;
      consts.set(op.dst, value);
      return { op: 'const', dst: op.dst, value };
    }
    return op;
  });
}

/** Temps an op reads. */
export function opUses(op: Op): Temp[] {
  const addr = (a: { base?: Temp; index?: Temp }) => [a.base, a.index].filter((t): t is Temp => t !== undefined);
  switch (op.op) {
    case 'const': case 'getreg': case 'segbase': case 'setcc': case 'getflag': case 'cmc': case 'getrflags':
    case 'getdf': case 'setdf': case 'strop': return [];
    case 'setreg': return [op.src];
    case 'bin': return [op.a, op.b];
    case 'un': case 'ext': case 'extract': return [op.a];
    case 'insert': return [op.base, op.val];
    case 'lea': case 'load': return addr(op.addr);
    case 'store': return [...addr(op.addr), op.src];
    case 'select': return [op.a, op.b];
    case 'arith': case 'logic': return [op.a, op.b];
    case 'setflags': return [...Object.values(op.values), ...(op.pfFrom !== undefined ? [op.pfFrom] : []),
      ...(op.unlessZero !== undefined ? [op.unlessZero] : [])];
    case 'resultflags': return [op.result, ...[op.cf, op.of, op.af, op.unlessZero].filter((t): t is Temp => t !== undefined)];
    case 'setrflags': return [op.src];
    case 'sideexit': return op.exit.kind === 'indirect' ? [op.a, op.exit.target] : [op.a];
    case 'vload': case 'vstore': return addr(op.addr);
    case 'vop': case 'vmovmsk': case 'vtogpr': case 'vcvtf2i': case 'fcomi': case 'getmxcsr': return [];
    case 'setmxcsr': return [op.src];
    case 'vfromgpr': case 'vcvti2f': return [op.src];
  }
}

export function opDef(op: Op): Temp | undefined {
  return 'dst' in op ? op.dst : undefined;
}

function hasEffect(op: Op): boolean {
  switch (op.op) {
    case 'setreg': case 'store': case 'setrflags': case 'setdf': case 'strop':
    case 'sideexit': case 'cmc': return true;
    // Flags that no later reader needs are not computed at all.
    case 'setflags': case 'resultflags': return (op.live ?? op.flags) !== 0;
    case 'vload': case 'vstore': case 'vop': case 'vfromgpr': case 'vcvti2f': case 'fcomi': case 'setmxcsr': return true;
    case 'arith': case 'logic': return (op.live ?? op.flags) !== 0;
    // A load may fault; keep it so the guest sees the fault where the real CPU would.
    case 'load': return true;
    default: return false;
  }
}

/** Removes ops whose results nobody reads and that have no other effect. */
export function removeDeadCode(block: Block): void {
  const used = new Set<Temp>();
  if (block.exit.kind === 'indirect') used.add(block.exit.target);
  const keep: boolean[] = new Array(block.ops.length).fill(false);
  for (let k = block.ops.length - 1; k >= 0; k--) {
    const op = block.ops[k];
    const d = opDef(op);
    if (hasEffect(op) || (d !== undefined && used.has(d))) {
      keep[k] = true;
      for (const t of opUses(op)) used.add(t);
    }
  }
  block.opRip = block.opRip.filter((_, k) => keep[k]);
  block.ops = block.ops.filter((_, k) => keep[k]);
}

export function optimize(block: Block): Block {
  eliminateDeadFlags(block);
  foldConstants(block);
  removeDeadCode(block);
  return block;
}
