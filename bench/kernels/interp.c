/* Benchmark kernel: a branchy bytecode interpreter (switch dispatch, an indirect branch per
 * instruction) running a nested counting loop with arithmetic and conditional jumps. */
#include "krt.h"

enum { OP_LOADI, OP_ADD, OP_SUB, OP_MUL, OP_XOR, OP_SHR, OP_AND, OP_MOV, OP_JNZ, OP_JLT, OP_INC, OP_HALT };
struct insn { uint8_t op, a, b, c; int32_t imm; };

static uint64_t run(const struct insn *code, uint64_t *r) {
  for (const struct insn *pc = code;; pc++) {
    switch (pc->op) {
    case OP_LOADI: r[pc->a] = (uint64_t)(int64_t)pc->imm; break;
    case OP_ADD: r[pc->a] = r[pc->b] + r[pc->c]; break;
    case OP_SUB: r[pc->a] = r[pc->b] - r[pc->c]; break;
    case OP_MUL: r[pc->a] = r[pc->b] * r[pc->c]; break;
    case OP_XOR: r[pc->a] = r[pc->b] ^ r[pc->c]; break;
    case OP_SHR: r[pc->a] = r[pc->b] >> (pc->imm & 63); break;
    case OP_AND: r[pc->a] = r[pc->b] & (uint64_t)(int64_t)pc->imm; break;
    case OP_MOV: r[pc->a] = r[pc->b]; break;
    case OP_JNZ: if (r[pc->a]) pc += pc->imm - 1; break;
    case OP_JLT: if (r[pc->a] < r[pc->b]) pc += pc->imm - 1; break;
    case OP_INC: r[pc->a]++; break;
    case OP_HALT: return r[0];
    default: return ~0ULL;
    }
  }
}

int kmain(int argc, char **argv) {
  (void)argv;
  /* r0 acc, r1 i, r2 limit, r3 tmp, r4 multiplier, r5 odd-count */
  const struct insn program[] = {
      {OP_LOADI, 0, 0, 0, 1}, {OP_LOADI, 1, 0, 0, 0}, {OP_LOADI, 2, 0, 0, 1000000},
      {OP_LOADI, 4, 0, 0, 0x2545F491}, {OP_LOADI, 5, 0, 0, 0},
      /* 5: loop body */
      {OP_MUL, 3, 0, 4, 0}, {OP_SHR, 6, 3, 0, 17}, {OP_XOR, 0, 3, 6, 0}, {OP_ADD, 0, 0, 1, 0},
      {OP_AND, 7, 0, 0, 1}, {OP_JNZ, 7, 0, 0, 2}, {OP_INC, 5, 0, 0, 0},
      {OP_INC, 1, 0, 0, 0}, {OP_JLT, 1, 2, 0, -8}, {OP_ADD, 0, 0, 5, 0}, {OP_HALT, 0, 0, 0, 0},
  };
  uint64_t regs[8] = {0};
  uint64_t checksum = 0;
  for (int round = 0; round < argc + 1; round++) checksum = checksum * 1000003 ^ run(program, regs);
  kprint_checksum("interp", checksum);
  return 0;
}
