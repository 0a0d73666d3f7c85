// The architectural x86-64 state that tests compare between the real CPU and Ferry:
// general registers, RFLAGS, XMM registers and memory regions.

/** GPR order is the x86 encoding order: rax rcx rdx rbx rsp rbp rsi rdi r8..r15. */
export const GPR_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi',
  'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'] as const;

/** RFLAGS bits compared by the instruction tests. */
export const RFLAGS = { CF: 1n << 0n, PF: 1n << 2n, AF: 1n << 4n, ZF: 1n << 6n, SF: 1n << 7n, DF: 1n << 10n, OF: 1n << 11n } as const;
export const RFLAGS_COMPARED = RFLAGS.CF | RFLAGS.PF | RFLAGS.AF | RFLAGS.ZF | RFLAGS.SF | RFLAGS.DF | RFLAGS.OF;

export interface MemoryRegion {
  address: bigint;
  bytes: Uint8Array;
}

/** The x87 registers as fxsave reports them after a snippet. */
export interface X87Registers {
  fcw: number;
  fsw: number;            // with TOP in bits 11-13
  ftw: number;            // abridged: bit r set when physical register r is not empty
  st: Uint8Array[];       // ST0..ST7, 10 bytes each (little-endian 80-bit)
}

export interface X86State {
  gpr: bigint[];          // 16 entries, unsigned 64-bit
  rflags: bigint;         // only RFLAGS_COMPARED bits are meaningful
  xmm: Uint8Array[];      // 16 entries of 16 bytes, little-endian
  memory: MemoryRegion[]; // regions the snippet may read or write
  /** Final x87 registers (results only). */
  x87?: X87Registers;
  /** Final MXCSR (every snippet starts from 0x1f80). */
  mxcsr?: number;
}

/** Where instruction-test snippets live, natively and under Ferry. */
export const SNIPPET_LAYOUT = {
  code: 0x1000_0000n,      // snippet code, one page is plenty
  data: 0x2000_0000n,      // 64 KiB of data the snippet may touch
  dataSize: 0x10000,
  stack: 0x3000_0000n,     // 64 KiB stack; rsp starts at stack + stackSize - 0x1000
  stackSize: 0x10000,
} as const;
