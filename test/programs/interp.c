/* Whole-program test: a switch-dispatched stack-machine interpreter (jump tables, indirect branches)
 * running a few bytecode programs: primes, gcd sums, collatz lengths and iterative fib. */
#include "rt.h"

enum op { PUSH, POP, DUP, SWAP, OVER, ADD, SUB, MUL, DIV, MOD, AND, OR, XOR, SHL, SHR, LT, EQ, NOT,
          LOAD, STORE, JMP, JZ, JNZ, CALL, RET, PRINT, HALT, INC, DEC };

static int64_t run(const int64_t *code, int64_t arg, uint64_t *steps) {
  int64_t stack[256], locals[16] = {0};
  int64_t rstack[64];
  int sp = 0, rsp = 0;
  long pc = 0;
  locals[0] = arg;
  for (;;) {
    ++*steps;
    switch ((enum op)code[pc++]) {
    case PUSH: stack[sp++] = code[pc++]; break;
    case POP: sp--; break;
    case DUP: stack[sp] = stack[sp - 1]; sp++; break;
    case SWAP: { int64_t t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; break; }
    case OVER: stack[sp] = stack[sp - 2]; sp++; break;
    case ADD: sp--; stack[sp - 1] += stack[sp]; break;
    case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
    case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
    case DIV: sp--; stack[sp - 1] /= stack[sp]; break;
    case MOD: sp--; stack[sp - 1] %= stack[sp]; break;
    case AND: sp--; stack[sp - 1] &= stack[sp]; break;
    case OR: sp--; stack[sp - 1] |= stack[sp]; break;
    case XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
    case SHL: sp--; stack[sp - 1] <<= stack[sp] & 63; break;
    case SHR: sp--; stack[sp - 1] = (int64_t)((uint64_t)stack[sp - 1] >> (stack[sp] & 63)); break;
    case LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
    case EQ: sp--; stack[sp - 1] = stack[sp - 1] == stack[sp]; break;
    case NOT: stack[sp - 1] = !stack[sp - 1]; break;
    case LOAD: stack[sp++] = locals[code[pc++]]; break;
    case STORE: locals[code[pc++]] = stack[--sp]; break;
    case JMP: pc = code[pc]; break;
    case JZ: pc = stack[--sp] ? pc + 1 : code[pc]; break;
    case JNZ: pc = stack[--sp] ? code[pc] : pc + 1; break;
    case CALL: rstack[rsp++] = pc + 1; pc = code[pc]; break;
    case RET: pc = rstack[--rsp]; break;
    case PRINT: rt_printf("  out %ld\n", (long)stack[--sp]); break;
    case HALT: return sp ? stack[sp - 1] : 0;
    case INC: stack[sp - 1]++; break;
    case DEC: stack[sp - 1]--; break;
    default: rt_printf("bad opcode at %ld\n", pc - 1); return -1;
    }
  }
}

/* Bytecode is written with LBL pseudo-ops; branch operands name labels and are resolved here. */
enum { LBL = 100 };
static int has_operand(int64_t op) { return op == PUSH || op == LOAD || op == STORE || op == JMP || op == JZ || op == JNZ || op == CALL; }
static int is_branch(int64_t op) { return op == JMP || op == JZ || op == JNZ || op == CALL; }
static long assemble(const int64_t *src, long n, int64_t *out) {
  long where[16] = {0}, len = 0;
  for (long i = 0; i < n; i++) {
    if (src[i] == LBL) where[src[++i]] = len;
    else len += 1 + has_operand(src[i]), i += has_operand(src[i]);
  }
  len = 0;
  for (long i = 0; i < n; i++) {
    if (src[i] == LBL) { i++; continue; }
    out[len++] = src[i];
    if (has_operand(src[i])) out[len] = is_branch(src[i]) ? where[src[i + 1]] : src[i + 1], len++, i++;
  }
  return len;
}

/* count primes below locals[0] by trial division; locals: 1 count, 2 n, 3 d */
static const int64_t primes[] = {
    PUSH, 0, STORE, 1, PUSH, 2, STORE, 2,
    LBL, 0, LOAD, 2, LOAD, 0, LT, JZ, 9,
    PUSH, 2, STORE, 3,
    LBL, 1, LOAD, 3, DUP, MUL, LOAD, 2, SWAP, LT, JNZ, 2,
    LOAD, 2, LOAD, 3, MOD, JZ, 3,
    LOAD, 3, INC, STORE, 3, JMP, 1,
    LBL, 2, LOAD, 1, INC, STORE, 1,
    LBL, 3, LOAD, 2, INC, STORE, 2, JMP, 0,
    LBL, 9, LOAD, 1, HALT};
/* sum of gcd(i, 360) for i in 1..locals[0], gcd as a subroutine; locals: 1 sum, 2 i */
static const int64_t gcds[] = {
    PUSH, 0, STORE, 1, PUSH, 1, STORE, 2,
    LBL, 0, LOAD, 0, LOAD, 2, LT, JNZ, 9,
    LOAD, 2, PUSH, 360, CALL, 5, LOAD, 1, ADD, STORE, 1,
    LOAD, 2, INC, STORE, 2, JMP, 0,
    LBL, 9, LOAD, 1, HALT,
    LBL, 5, DUP, JZ, 6, SWAP, OVER, MOD, JMP, 5, /* gcd(a, b): while b: a, b = b, a % b */
    LBL, 6, POP, RET};
/* longest collatz chain for starts below locals[0]; locals: 2 i, 3 x, 4 best length, 5 length */
static const int64_t collatz[] = {
    PUSH, 0, STORE, 4, PUSH, 1, STORE, 2,
    LBL, 0, LOAD, 2, LOAD, 0, LT, JZ, 9,
    LOAD, 2, STORE, 3, PUSH, 0, STORE, 5,
    LBL, 1, LOAD, 3, PUSH, 1, EQ, JNZ, 4,
    LOAD, 3, PUSH, 1, AND, JZ, 2,
    LOAD, 3, PUSH, 3, MUL, INC, JMP, 3,
    LBL, 2, LOAD, 3, PUSH, 1, SHR,
    LBL, 3, STORE, 3, LOAD, 5, INC, STORE, 5, JMP, 1,
    LBL, 4, LOAD, 4, LOAD, 5, LT, JZ, 5, LOAD, 5, STORE, 4,
    LBL, 5, LOAD, 2, INC, STORE, 2, JMP, 0,
    LBL, 9, LOAD, 4, HALT};
/* iterative fib(locals[0]) mod 2^64, printing every 10th; locals: 1 a, 2 b */
static const int64_t fib[] = {
    PUSH, 0, STORE, 1, PUSH, 1, STORE, 2,
    LBL, 0, LOAD, 0, JZ, 9,
    LOAD, 1, LOAD, 2, DUP, STORE, 1, ADD, STORE, 2,
    LOAD, 0, DEC, DUP, STORE, 0, PUSH, 10, MOD, JNZ, 0,
    LOAD, 1, PRINT, JMP, 0,
    LBL, 9, LOAD, 1, HALT};

static int64_t assembled[256];
static int64_t run_program(const int64_t *src, long n, int64_t arg, uint64_t *steps) {
  assemble(src, n, assembled);
  return run(assembled, arg, steps);
}
#define RUN(prog, arg, steps) run_program(prog, sizeof prog / sizeof prog[0], arg, steps)

int main(int argc, char **argv, char **envp) {
  (void)envp;
  int64_t scale = argc > 1 ? rt_atol(argv[1]) : 1;
  uint64_t steps = 0;
  rt_printf("primes below %ld: %ld\n", (long)(3000 * scale), (long)RUN(primes, 3000 * scale, &steps));
  rt_printf("gcd sum to %ld: %ld\n", (long)(2000 * scale), (long)RUN(gcds, 2000 * scale, &steps));
  rt_printf("collatz: %ld\n", (long)RUN(collatz, 300 * scale, &steps));
  rt_printf("fib:\n");
  rt_printf("fib(%ld) = %ld\n", (long)(60 * scale), (long)RUN(fib, 60 * scale, &steps));
  rt_printf("steps=%lu\n", (unsigned long)steps);
  return 0;
}
