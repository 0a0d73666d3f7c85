// Prints an IR block as readable text for --dump-ir and for test failure messages.
import { Addr, Block, COND_NAMES, Exit, FLAG_NAMES, FlagSet, Op } from './ir';

const hex = (v: bigint) => '0x' + v.toString(16);
const t = (n: number | undefined) => (n === undefined ? '-' : `t${n}`);
const GPR = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

function flags(f: FlagSet): string {
  const names = Object.entries(FLAG_NAMES).filter(([bit]) => f & Number(bit)).map(([, n]) => n);
  return names.length ? `{${names.join(',')}}` : '{}';
}
function addr(a: Addr): string {
  const parts: string[] = [];
  if (a.base !== undefined) parts.push(t(a.base));
  if (a.index !== undefined) parts.push(`${t(a.index)}*${a.scale}`);
  if (a.disp !== 0n || parts.length === 0) parts.push(hex(BigInt.asUintN(64, a.disp)));
  return `[${parts.join(' + ')}]`;
}

export function dumpOp(op: Op): string {
  switch (op.op) {
    case 'const': return `${t(op.dst)} = const ${hex(op.value)}`;
    case 'getreg': return `${t(op.dst)} = ${GPR[op.reg]}`;
    case 'setreg': return `${GPR[op.reg]} = ${t(op.src)}`;
    case 'bin': return `${t(op.dst)} = ${op.kind}.${op.size * 8} ${t(op.a)}, ${t(op.b)}`;
    case 'un': return `${t(op.dst)} = ${op.kind}.${op.size * 8} ${t(op.a)}`;
    case 'ext': return `${t(op.dst)} = ${op.signed ? 'sext' : 'zext'}.${op.from * 8} ${t(op.a)}`;
    case 'extract': return `${t(op.dst)} = extract ${t(op.a)}[${op.lsb}+:${op.width}]`;
    case 'insert': return `${t(op.dst)} = insert ${t(op.base)}[${op.lsb}+:${op.width}] <- ${t(op.val)}`;
    case 'lea': return `${t(op.dst)} = lea ${addr(op.addr)}`;
    case 'segbase': return `${t(op.dst)} = ${op.seg}.base`;
    case 'load': return `${t(op.dst)} = load.${op.size * 8} ${addr(op.addr)}`;
    case 'store': return `store.${op.size * 8} ${addr(op.addr)}, ${t(op.src)}`;
    case 'select': return `${t(op.dst)} = select ${COND_NAMES[op.cond]} ? ${t(op.a)} : ${t(op.b)}`;
    case 'setcc': return `${t(op.dst)} = set${COND_NAMES[op.cond]}`;
    case 'arith': case 'logic':
      return `${t(op.dst)} = ${op.kind}.${op.size * 8} ${t(op.a)}, ${t(op.b)} flags${flags(op.flags)}`;
    case 'setflags': {
      const vals = Object.entries(op.values).map(([k, v]) => `${k}=${t(v)}`);
      if (op.pfFrom !== undefined) vals.push(`PF<-${t(op.pfFrom)}`);
      return `setflags ${vals.join(' ')} live${flags(op.flags)}${op.unlessZero !== undefined ? ` unless ${t(op.unlessZero)}==0` : ''}`;
    }
    case 'resultflags':
      return `resultflags.${op.size * 8} ${t(op.result)} CF=${t(op.cf)} OF=${t(op.of)} AF=${t(op.af)} live${flags(op.flags)}` +
        (op.unlessZero !== undefined ? ` unless ${t(op.unlessZero)}==0` : '');
    case 'getflag': return `${t(op.dst)} = flag ${op.flag}`;
    case 'cmc': return 'cmc';
    case 'getrflags': return `${t(op.dst)} = rflags`;
    case 'setrflags': return `rflags = ${t(op.src)}`;
    case 'getdf': return `${t(op.dst)} = df`;
    case 'setdf': return `df = ${op.value}`;
    case 'strop': return `${op.rep ? 'rep ' : ''}${op.kind}.${op.size * 8} [rdi]${op.kind === 'movs' ? ', [rsi]' : ', rax'}`;
    case 'vload': return `v${op.xd} = vload.${op.size * 8} ${addr(op.addr)}`;
    case 'vstore': return `vstore.${op.size * 8} ${addr(op.addr)}, v${op.xa}`;
    case 'vop': return `v${op.xd} = ${op.kind}${op.lane ? '.' + op.lane : ''} v${op.xa}, v${op.xb}${op.imm !== undefined ? `, ${op.imm}` : ''}`;
    case 'vfromgpr': return `v${op.xd} = vfromgpr.${op.size * 8} ${t(op.src)}`;
    case 'vtogpr': return `${t(op.dst)} = vtogpr.${op.size * 8} v${op.xa}`;
    case 'vmovmsk': return `${t(op.dst)} = vmovmsk${op.lane ? '.' + op.lane : ''} v${op.xa}`;
    case 'vcvti2f': return `v${op.xd}.${op.type}[0] = cvti2f.${op.from * 8} ${t(op.src)}`;
    case 'vcvtf2i': return `${t(op.dst)} = cvtf2i${op.round ? '.rn' : ''}.${op.size * 8} v${op.xa}.${op.type}`;
    case 'setmxcsr': return `mxcsr = ${t(op.src)}`;
    case 'getmxcsr': return `${t(op.dst)} = mxcsr`;
    case 'fcomi': return `fcomi.${op.type} v${op.xa}, v${op.xb} flags${flags(op.flags)}`;
    case 'sideexit': return `exit if ${t(op.a)} ${op.when === 'zero' ? '== 0' : '!= 0'}: ${dumpExit(op.exit)}`;
  }
}

export function dumpExit(e: Exit): string {
  switch (e.kind) {
    case 'jump': return `jump ${hex(e.target)}`;
    case 'branch': return `branch ${COND_NAMES[e.cond]} ? ${hex(e.taken)} : ${hex(e.fallthrough)}`;
    case 'indirect': return `jump ${t(e.target)}`;
    case 'syscall': return `syscall, then ${hex(e.next)}`;
    case 'interpret': return `interpret ${hex(e.rip)}`;
    case 'fault': return `fault signal ${e.signal} at ${hex(e.rip)}: ${e.message}`;
  }
}

export function dumpBlock(block: Block): string {
  const lines = [`block ${hex(block.start)}..${hex(block.end)} (${block.guestInsns} guest instructions)`];
  let rip: bigint | undefined;
  block.ops.forEach((op, k) => {
    if (block.opRip[k] !== rip) { rip = block.opRip[k]; lines.push(`  ; ${hex(rip)}`); }
    lines.push(`    ${dumpOp(op)}`);
  });
  lines.push(`  exit: ${dumpExit(block.exit)}`);
  return lines.join('\n');
}
