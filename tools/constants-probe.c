/* Prints, as JSON, the Unicorn and Capstone constants and struct layouts Ferry uses,
   read from Debian's headers so no number is typed from memory. */
#include <stdio.h>
#include <stddef.h>
#include <unicorn/unicorn.h>
#include <capstone/capstone.h>

static int first = 1;
static void kv(const char *k, long long v) { printf("%s\n  \"%s\": %lld", first ? "{" : ",", k, v); first = 0; }
#define K(x) kv(#x, (long long)(x))
#define OFF(t, f, name) kv(name, (long long)offsetof(t, f))
#define SZ(t, name) kv(name, (long long)sizeof(t))

int main(void) {
  K(UC_ARCH_ARM64); K(UC_ARCH_X86); K(UC_MODE_ARM); K(UC_MODE_64);
  K(UC_HOOK_INTR); K(UC_HOOK_MEM_READ_UNMAPPED); K(UC_HOOK_MEM_WRITE_UNMAPPED); K(UC_HOOK_MEM_FETCH_UNMAPPED);
  K(UC_HOOK_MEM_READ_PROT); K(UC_HOOK_MEM_WRITE_PROT); K(UC_HOOK_MEM_FETCH_PROT); K(UC_HOOK_INSN);
  K(UC_MEM_READ); K(UC_MEM_WRITE); K(UC_MEM_FETCH); K(UC_MEM_READ_UNMAPPED); K(UC_MEM_WRITE_UNMAPPED);
  K(UC_MEM_FETCH_UNMAPPED); K(UC_MEM_WRITE_PROT); K(UC_MEM_READ_PROT); K(UC_MEM_FETCH_PROT);
  K(UC_PROT_NONE); K(UC_PROT_READ); K(UC_PROT_WRITE); K(UC_PROT_EXEC); K(UC_PROT_ALL);
  K(UC_ERR_OK);
  kv("UC_CTL_WRITE_CPU_MODEL", (long long)UC_CTL_WRITE(UC_CTL_CPU_MODEL, 1));
  kv("UC_CTL_WRITE_TB_REMOVE_CACHE", (long long)UC_CTL_WRITE(UC_CTL_TB_REMOVE_CACHE, 2));
  kv("UC_CTL_WRITE_PAGE_SIZE", (long long)UC_CTL_WRITE(UC_CTL_UC_PAGE_SIZE, 1));
  kv("UC_CTL_READ_PAGE_SIZE", (long long)UC_CTL_READ(UC_CTL_UC_PAGE_SIZE, 1));
  K(UC_CPU_ARM64_MAX);
  K(UC_ARM64_REG_X0); K(UC_ARM64_REG_X28); K(UC_ARM64_REG_X29); K(UC_ARM64_REG_X30);
  K(UC_ARM64_REG_SP); K(UC_ARM64_REG_PC); K(UC_ARM64_REG_NZCV); K(UC_ARM64_REG_Q0); K(UC_ARM64_REG_Q31);
  K(UC_ARM64_REG_FPCR); K(UC_ARM64_REG_FPSR); K(UC_ARM64_REG_TPIDR_EL0); K(UC_ARM64_REG_CP_REG);
  SZ(uc_arm64_cp_reg, "sizeof_uc_arm64_cp_reg"); OFF(uc_arm64_cp_reg, crn, "uc_arm64_cp_reg_crn");
  OFF(uc_arm64_cp_reg, crm, "uc_arm64_cp_reg_crm"); OFF(uc_arm64_cp_reg, op0, "uc_arm64_cp_reg_op0");
  OFF(uc_arm64_cp_reg, op1, "uc_arm64_cp_reg_op1"); OFF(uc_arm64_cp_reg, op2, "uc_arm64_cp_reg_op2");
  OFF(uc_arm64_cp_reg, val, "uc_arm64_cp_reg_val");
  K(UC_X86_REG_RAX); K(UC_X86_REG_RBX); K(UC_X86_REG_RCX); K(UC_X86_REG_RDX); K(UC_X86_REG_RSI);
  K(UC_X86_REG_RDI); K(UC_X86_REG_RBP); K(UC_X86_REG_RSP); K(UC_X86_REG_R8); K(UC_X86_REG_R9);
  K(UC_X86_REG_R10); K(UC_X86_REG_R11); K(UC_X86_REG_R12); K(UC_X86_REG_R13); K(UC_X86_REG_R14);
  K(UC_X86_REG_R15); K(UC_X86_REG_RIP); K(UC_X86_REG_EFLAGS); K(UC_X86_REG_FS_BASE); K(UC_X86_REG_GS_BASE);
  K(UC_X86_INS_SYSCALL);

  K(CS_ARCH_X86); K(CS_ARCH_ARM64); K(CS_MODE_64); K(CS_MODE_ARM); K(CS_OPT_DETAIL); K(CS_OPT_ON);
  K(CS_ERR_OK);
  K(X86_OP_REG); K(X86_OP_IMM); K(X86_OP_MEM); K(X86_REG_ENDING); K(X86_INS_ENDING);
  K(CS_AC_READ); K(CS_AC_WRITE);
  SZ(cs_insn, "sizeof_cs_insn");
  OFF(cs_insn, id, "cs_insn_id"); OFF(cs_insn, address, "cs_insn_address"); OFF(cs_insn, size, "cs_insn_size");
  OFF(cs_insn, bytes, "cs_insn_bytes"); OFF(cs_insn, mnemonic, "cs_insn_mnemonic"); OFF(cs_insn, op_str, "cs_insn_op_str");
  OFF(cs_insn, detail, "cs_insn_detail");
  OFF(cs_detail, regs_read, "cs_detail_regs_read"); OFF(cs_detail, groups, "cs_detail_groups");
  OFF(cs_detail, groups_count, "cs_detail_groups_count"); OFF(cs_detail, x86, "cs_detail_x86");
  OFF(cs_x86, prefix, "cs_x86_prefix"); OFF(cs_x86, opcode, "cs_x86_opcode"); OFF(cs_x86, rex, "cs_x86_rex");
  OFF(cs_x86, addr_size, "cs_x86_addr_size"); OFF(cs_x86, modrm, "cs_x86_modrm"); OFF(cs_x86, disp, "cs_x86_disp");
  OFF(cs_x86, eflags, "cs_x86_eflags"); OFF(cs_x86, op_count, "cs_x86_op_count"); OFF(cs_x86, operands, "cs_x86_operands");
  SZ(cs_x86_op, "sizeof_cs_x86_op");
  OFF(cs_x86_op, type, "cs_x86_op_type"); OFF(cs_x86_op, reg, "cs_x86_op_reg"); OFF(cs_x86_op, imm, "cs_x86_op_imm");
  OFF(cs_x86_op, mem.segment, "cs_x86_op_mem_segment"); OFF(cs_x86_op, mem.base, "cs_x86_op_mem_base");
  OFF(cs_x86_op, mem.index, "cs_x86_op_mem_index"); OFF(cs_x86_op, mem.scale, "cs_x86_op_mem_scale");
  OFF(cs_x86_op, mem.disp, "cs_x86_op_mem_disp"); OFF(cs_x86_op, size, "cs_x86_op_size");
  OFF(cs_x86_op, access, "cs_x86_op_access");
  printf("\n}\n");
  return 0;
}
