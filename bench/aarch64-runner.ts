// Benchmark runner: executes a static AArch64 Linux ELF directly on Unicorn's ARM64 CPU (MAX model),
// the speed limit for Ferry's translated code. Usage: node aarch64-runner.js PROGRAM [ARGS...]
import * as fs from 'fs';
import { Unicorn } from '../src/unicorn/unicorn';
import { NC } from '../src/util/native-constants';
import { EM_AARCH64, readStaticElf } from './elf-image';
import { GuestAddressSpace } from './guest-memory-plan';

const SVC_INTERRUPT = 2; // Unicorn reports every `svc` as interrupt 2 (EXCP_SWI)
const X0 = NC.UC_ARM64_REG_X0;
const X8 = NC.UC_ARM64_REG_X0 + 8;

function main(argv: string[]): number {
  const [program, ...args] = argv;
  if (!program) throw new Error('usage: aarch64-runner PROGRAM [ARGS...]');
  const image = readStaticElf(program, EM_AARCH64);
  const uc = Unicorn.arm64Max(); // the CPU model must be chosen before any other call
  const space = new GuestAddressSpace({
    map: (address, size) => uc.memMap(address, Number(size), NC.UC_PROT_ALL),
    write: (address, bytes) => uc.memWrite(address, bytes),
  });
  const sp = space.load(image, [program, ...args], Object.entries(process.env).map(([k, v]) => `${k}=${v}`));
  uc.regWrite(NC.UC_ARM64_REG_SP, sp);

  let exitStatus: number | undefined;
  let failure: unknown;
  const arg = (i: number): bigint => uc.regRead(X0 + i);
  uc.hookIntr((intno) => {
    try {
      if (intno !== SVC_INTERRUPT) throw new Error(`unexpected exception ${intno} at pc ${uc.regRead(NC.UC_ARM64_REG_PC).toString(16)}`);
      const nr = Number(uc.regRead(X8));
      let result: bigint;
      switch (nr) {
        case 64: { // write
          const bytes = Buffer.alloc(Number(arg(2)));
          uc.memRead(arg(1), bytes);
          result = BigInt(fs.writeSync(Number(arg(0)), bytes));
          break;
        }
        case 93: // exit
        case 94: // exit_group
          exitStatus = Number(arg(0) & 0xffn);
          uc.emuStop();
          return;
        case 214: result = space.brk(arg(0)); break;
        case 222: result = space.mmap(arg(1)); break;
        case 215: result = 0n; break; // munmap: the bump allocator never reuses space
        default: result = -38n; // ENOSYS
      }
      uc.regWrite(X0, result);
    } catch (error) {
      failure = error;
      uc.emuStop();
    }
  });
  uc.emuStart(image.entry, 0n);
  uc.close();
  if (failure) throw failure;
  if (exitStatus === undefined) throw new Error('the program stopped without calling exit');
  return exitStatus;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`aarch64-runner: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 125;
}
