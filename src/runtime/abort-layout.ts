// Where a data abort's fault address and syndrome sit in Unicorn's saved CPU context. Unicorn hands
// the abort to the interrupt hook before the CPU writes FAR_EL1/ESR_EL1, so Ferry reads QEMU's copy.

export interface AbortLayout {
  /** Byte offset of the 64-bit faulting virtual address (QEMU's env->exception.vaddress). */
  readonly far: number;
  /** Byte offset of the 32-bit syndrome (env->exception.syndrome), 8 bytes before it. */
  readonly syndrome: number;
}

export interface Abort { readonly address: bigint; readonly write: boolean }

/** ESR: exception class data abort (from a lower or the same EL) and the write-not-read bit. */
const EC_DATA_ABORT = [0x24, 0x25];
const WNR = 1 << 6;

/** Probe addresses no register holds (the context holds the registers too). */
const PROBES = [
  { address: 0x7e51_2345_6788n, write: false },
  { address: 0x7d0c_ba98_7650n, write: true },
];

/**
 * Finds the layout by faulting at known addresses: `fault` runs one load or store at the address and
 * returns the context saved in the hook. The offset must hold each probe's address, with a syndrome
 * that says data abort, read or write as it was.
 */
export function findAbortLayout(fault: (address: bigint, write: boolean) => Uint8Array): AbortLayout {
  const contexts = PROBES.map((p) => fault(p.address, p.write));
  const views = contexts.map((c) => new DataView(c.buffer, c.byteOffset, c.byteLength));
  for (let far = 8; far + 8 <= contexts[0].length; far += 8) {
    const fits = PROBES.every((p, i) => {
      if (views[i].getBigUint64(far, true) !== p.address) return false;
      const syndrome = views[i].getUint32(far - 8, true);
      return EC_DATA_ABORT.includes(syndrome >>> 26) && Boolean(syndrome & WNR) === p.write;
    });
    if (fits) return { far, syndrome: far - 8 };
  }
  throw new Error('cannot find the fault address in this Unicorn build\'s CPU context (see src/runtime/abort-layout.ts)');
}

export function readAbort(layout: AbortLayout, context: Uint8Array): Abort {
  const view = new DataView(context.buffer, context.byteOffset, context.byteLength);
  return { address: view.getBigUint64(layout.far, true), write: Boolean(view.getUint32(layout.syndrome, true) & WNR) };
}
