// Guest code for the MMU probe, at VA 0x10000 (code page).
.globl _start
_start:
// store loop: x0 base, x3 count, x2 offset in 64 KiB window
store_loop:
  str x1, [x0, x2]
  add x2, x2, #8
  and x2, x2, #0xfff8
  subs x3, x3, #1
  b.ne store_loop
store_end:
  nop
// load loop
load_loop:
  ldr x1, [x0, x2]
  add x2, x2, #8
  and x2, x2, #0xfff8
  subs x3, x3, #1
  b.ne load_loop
load_end:
  nop
// fault loop: each iteration stores to a (possibly read-only) page x0 + x2*4096
fault_loop:
  str x1, [x0, x2]
  add x2, x2, #4096
  subs x3, x3, #1
  b.ne fault_loop
fault_end:
  nop
// wide loop: touch x3 pages, 4 KiB stride, over a large window (TLB reach)
wide_loop:
  ldr x1, [x0, x2]
  add x2, x2, #4096
  and x2, x2, x4
  subs x3, x3, #1
  b.ne wide_loop
wide_end:
  nop
// cross-page chain loop: branches across 1 KiB pages
chain_loop:
  b far1
  .space 2048
far1:
  subs x3, x3, #1
  b.ne chain_loop
chain_end:
  nop
