// Maps Capstone's x86 register names to Ferry's guest register file: GPR index and the byte
// range of the 64-bit register they name (al, ah, ax, eax, rax, r8b ... r15), and XMM indexes.

export interface GprRef { index: number; size: 1 | 2 | 4 | 8; high: boolean }

const GPR64 = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi'];
const table = new Map<string, GprRef>();
GPR64.forEach((r, i) => {
  const stem = r.slice(1); // ax, cx, dx, bx, sp, bp, si, di
  table.set(r, { index: i, size: 8, high: false });
  table.set('e' + stem, { index: i, size: 4, high: false });
  table.set(stem, { index: i, size: 2, high: false });
});
['al', 'cl', 'dl', 'bl'].forEach((r, i) => table.set(r, { index: i, size: 1, high: false }));
['ah', 'ch', 'dh', 'bh'].forEach((r, i) => table.set(r, { index: i, size: 1, high: true }));
['spl', 'bpl', 'sil', 'dil'].forEach((r, i) => table.set(r, { index: i + 4, size: 1, high: false }));
for (let i = 8; i < 16; i++) {
  table.set(`r${i}`, { index: i, size: 8, high: false });
  table.set(`r${i}d`, { index: i, size: 4, high: false });
  table.set(`r${i}w`, { index: i, size: 2, high: false });
  table.set(`r${i}b`, { index: i, size: 1, high: false });
}

export function gpr(name: string): GprRef | undefined {
  return table.get(name);
}

export function xmm(name: string): number | undefined {
  const m = /^xmm(\d+)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}
