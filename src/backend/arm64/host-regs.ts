// The one place that fixes Ferry's host register convention: where guest state lives in AArch64
// registers while translated code runs, and which registers the code generator may use.

/** x86 GPR n (rax=0 ... r15=15, encoding order) lives in Xn. */
export const GUEST_GPR_BASE = 0;
export const gprHost = (n: number): number => GUEST_GPR_BASE + n;

/** At an exit: the next guest RIP. */
export const X_EXIT_RIP = 16;
/** At an svc: why the block left (ExitReason); in blocks: scratch. */
export const X_REASON = 17;
/** Byte whose parity is x86 PF (PF = 1 when the low byte has an even number of ones). */
export const X_PF = 26;
/** Bit 4 is x86 AF. */
export const X_AF = 27;
/** Pointer to the CPU-state block of the running guest thread. */
export const X_STATE = 28;
/** Registers the code generator allocates IR temporaries to. */
export const TEMP_POOL = [18, 19, 20, 21, 22, 23, 24, 25, 29];
/** Scratch registers used inside the lowering of one IR op (never hold a temp). */
export const SCRATCH = [16, 17, 30] as const;
/** XMMn lives in Vn; V16-V31 are vector scratch. */
export const xmmHost = (n: number): number => n;

/**
 * NZCV holds ZF (Z), SF (N), OF (V) and the complement of CF (C), the AArch64 borrow convention,
 * so x86 conditions after cmp/sub map to one AArch64 condition each.
 */
export const CARRY_INVERTED = true;

/** CPU-state block layout (offsets from X_STATE). */
/** mxcsr holds MXCSR XOR its default 0x1f80, so a zeroed block reads as the default. */
export const STATE = { fsBase: 0, gsBase: 8, df: 16, mxcsr: 24, size: 64 } as const;

/** Why generated code called the runtime (value in X_REASON at an svc). */
export enum ExitReason { Syscall = 1, Miss = 2, Link = 3, Interpret = 4, Fault = 5, Stop = 6 }
