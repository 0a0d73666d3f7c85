// Benchmark runner: executes a static x86-64 Linux ELF directly on Unicorn's own x86-64 CPU, as a
// reference point for Ferry. Usage: node x86-unicorn-runner.js PROGRAM [ARGS...]
import * as fs from 'fs';
import { NC } from '../src/util/native-constants';
import { EM_X86_64, readStaticElf } from './elf-image';
import { GuestAddressSpace } from './guest-memory-plan';
import { UnicornX86 } from './unicorn-x86';

const ARCH_SET_FS = 0x1002n;
const ARG_REGS = [NC.UC_X86_REG_RDI, NC.UC_X86_REG_RSI, NC.UC_X86_REG_RDX, NC.UC_X86_REG_R10, NC.UC_X86_REG_R8, NC.UC_X86_REG_R9];

function main(argv: string[]): number {
  const [program, ...args] = argv;
  if (!program) throw new Error('usage: x86-unicorn-runner PROGRAM [ARGS...]');
  const image = readStaticElf(program, EM_X86_64);
  const uc = new UnicornX86();
  const space = new GuestAddressSpace({
    map: (address, size) => uc.memMap(address, size, NC.UC_PROT_ALL),
    write: (address, bytes) => uc.memWrite(address, bytes),
  });
  const sp = space.load(image, [program, ...args], Object.entries(process.env).map(([k, v]) => `${k}=${v}`));
  uc.regWrite(NC.UC_X86_REG_RSP, sp);

  let exitStatus: number | undefined;
  let failure: unknown;
  const arg = (i: number): bigint => uc.regRead(ARG_REGS[i]);
  uc.hookSyscall(() => {
    try {
      const nr = Number(uc.regRead(NC.UC_X86_REG_RAX));
      let result: bigint;
      switch (nr) {
        case 1: { // write
          const bytes = Buffer.alloc(Number(arg(2)));
          uc.memRead(arg(1), bytes);
          result = BigInt(fs.writeSync(Number(arg(0)), bytes));
          break;
        }
        case 60: // exit
        case 231: // exit_group
          exitStatus = Number(arg(0) & 0xffn);
          uc.emuStop();
          return;
        case 12: result = space.brk(arg(0)); break;
        case 9: result = space.mmap(arg(1)); break;
        case 11: result = 0n; break; // munmap: the bump allocator never reuses space
        case 158: // arch_prctl
          if (arg(0) !== ARCH_SET_FS) { result = -22n; break; }
          uc.regWrite(NC.UC_X86_REG_FS_BASE, arg(1));
          result = 0n;
          break;
        default: result = -38n; // ENOSYS
      }
      uc.regWrite(NC.UC_X86_REG_RAX, result);
    } catch (error) {
      failure = error;
      uc.emuStop();
    }
  });
  try {
    uc.emuStart(image.entry, 0n);
  } catch (error) {
    const rip = uc.regRead(NC.UC_X86_REG_RIP);
    throw new Error(`${error instanceof Error ? error.message : String(error)} at rip 0x${rip.toString(16)}`);
  }
  uc.close();
  if (failure) throw failure;
  if (exitStatus === undefined) throw new Error('the program stopped without calling exit');
  return exitStatus;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`x86-unicorn-runner: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 125;
}
