// The x86-64 signal frame a guest handler runs on (struct rt_sigframe: return address, ucontext with
// the interrupted registers and mask, siginfo; fxsave area below it) and its undoing at rt_sigreturn.
import type { CpuFault, Engine } from '../runtime/engine';
import { RFLAGS } from '../runtime/x86-state';
import { SA_ONSTACK, SS_DISABLE, SS_ONSTACK, type AltStack, type SignalAction } from '../../syscalls/signals';

const GPR = { rax: 0, rcx: 1, rdx: 2, rbx: 3, rsp: 4, rbp: 5, rsi: 6, rdi: 7 } as const;
/** struct sigcontext's register slots in order, by x86 register number (r8..r15, rdi, rsi, ...). */
const SIGCONTEXT_GPRS = [8, 9, 10, 11, 12, 13, 14, 15, GPR.rdi, GPR.rsi, GPR.rbp, GPR.rbx, GPR.rdx, GPR.rax, GPR.rcx, GPR.rsp];
const FRAME_SIZE = 440;         // pretcode 8 + ucontext 304 + siginfo 128
const UC = 8;                   // the ucontext inside the frame
const MCONTEXT = UC + 40;       // uc_flags, uc_link, uc_stack (24) come first
const SIGMASK = UC + 296;
const SIGINFO = UC + 304;
const FPSTATE_SIZE = 512;       // fxsave layout
const RED_ZONE = 128n;
const USER_CS = 0x33, USER_SS = 0x2b;
/** x86 #PF: the one trap whose address goes to CR2. */
const PAGE_FAULT_TRAP = 14;

export interface SignalInfo {
  signal: number;
  code: number;
  pid: number;
  uid: number;
  /** A fault the CPU raised: siginfo holds its address (not a sender), the context its trap. */
  fault?: CpuFault;
}

/** Builds the frame and points the CPU at the handler; the interrupted state is the CPU's now. */
export function pushSignalFrame(cpu: Engine, info: SignalInfo, action: SignalAction, oldMask: bigint, alt: AltStack, onAltStack: boolean): void {
  const rsp = cpu.gpr(GPR.rsp);
  let sp = rsp - RED_ZONE;
  if (action.flags & SA_ONSTACK && !(alt.flags & SS_DISABLE) && !onAltStack) sp = alt.sp + alt.size;
  const fpstate = (sp - BigInt(FPSTATE_SIZE)) & ~63n;
  const frame = ((fpstate - BigInt(FRAME_SIZE)) & ~15n) - 8n; // the handler starts as if called
  cpu.writeMem(fpstate, fxsave(cpu));

  const bytes = new Uint8Array(FRAME_SIZE);
  const v = new DataView(bytes.buffer);
  v.setBigUint64(0, action.restorer, true);
  v.setBigUint64(UC + 16, alt.sp, true);
  v.setInt32(UC + 24, alt.flags & SS_DISABLE ? SS_DISABLE : onAltStack ? SS_ONSTACK : 0, true);
  v.setBigUint64(UC + 32, alt.size, true);
  SIGCONTEXT_GPRS.forEach((reg, i) => v.setBigUint64(MCONTEXT + i * 8, cpu.gpr(reg), true));
  v.setBigUint64(MCONTEXT + 128, cpu.exitRip(), true);
  v.setBigUint64(MCONTEXT + 136, cpu.rflags(), true);
  v.setUint16(MCONTEXT + 144, USER_CS, true);
  v.setUint16(MCONTEXT + 150, USER_SS, true);
  v.setBigUint64(MCONTEXT + 168, oldMask, true);
  v.setBigUint64(MCONTEXT + 184, fpstate, true);
  v.setBigUint64(SIGMASK, oldMask, true);
  v.setInt32(SIGINFO, info.signal, true);
  v.setInt32(SIGINFO + 8, info.code, true);
  if (info.fault) {
    v.setBigUint64(SIGINFO + 16, info.fault.address, true);
    v.setBigUint64(MCONTEXT + 152, BigInt(info.fault.error), true);
    v.setBigUint64(MCONTEXT + 160, BigInt(info.fault.trapno), true);
    if (info.fault.trapno === PAGE_FAULT_TRAP) v.setBigUint64(MCONTEXT + 176, info.fault.address, true);
  } else {
    v.setInt32(SIGINFO + 16, info.pid, true);
    v.setInt32(SIGINFO + 20, info.uid, true);
  }
  cpu.writeMem(frame, bytes);

  cpu.setGpr(GPR.rsp, frame);
  cpu.setGpr(GPR.rdi, BigInt(info.signal));
  cpu.setGpr(GPR.rsi, frame + BigInt(SIGINFO));
  cpu.setGpr(GPR.rdx, frame + BigInt(UC));
  cpu.setGpr(GPR.rax, 0n);
  cpu.setRflags(cpu.rflags() & ~RFLAGS.DF); // DF clear, as the ABI wants at a call
  cpu.setExitRip(action.handler);
}

/** rt_sigreturn: the handler returned through its restorer, so RSP is just past the return address. */
export function popSignalFrame(cpu: Engine): { mask: bigint } {
  const frame = cpu.gpr(GPR.rsp) - 8n;
  const bytes = cpu.readMem(frame, FRAME_SIZE);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  SIGCONTEXT_GPRS.forEach((reg, i) => cpu.setGpr(reg, v.getBigUint64(MCONTEXT + i * 8, true)));
  cpu.setExitRip(v.getBigUint64(MCONTEXT + 128, true));
  cpu.setRflags(v.getBigUint64(MCONTEXT + 136, true));
  const fpstate = v.getBigUint64(MCONTEXT + 184, true);
  if (fpstate !== 0n) fxrstor(cpu, cpu.readMem(fpstate, FPSTATE_SIZE));
  return { mask: v.getBigUint64(SIGMASK, true) };
}

/** The parts of fxsave's image a handler may look at or change: x87 control word, MXCSR, XMM. */
function fxsave(cpu: Engine): Uint8Array {
  const out = new Uint8Array(FPSTATE_SIZE);
  const v = new DataView(out.buffer);
  v.setUint16(0, cpu.x87.cw, true);
  v.setUint32(24, cpu.mxcsr(), true);
  v.setUint32(28, 0xffff, true);
  for (let n = 0; n < 16; n++) out.set(cpu.xmm(n), 160 + 16 * n);
  return out;
}

function fxrstor(cpu: Engine, image: Uint8Array): void {
  const v = new DataView(image.buffer, image.byteOffset, image.byteLength);
  cpu.setMxcsr(v.getUint32(24, true));
  for (let n = 0; n < 16; n++) cpu.setXmm(n, image.slice(160 + 16 * n, 176 + 16 * n));
}
