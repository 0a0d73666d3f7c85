// Unicorn and Capstone constants and struct offsets, generated from Debian's headers.
// tools/constants-probe.c prints native-constants.json; test/native-constants.test.ts re-checks it.
import constants from './native-constants.json';

export type NativeConstantName = keyof typeof constants;
export const NC: Readonly<typeof constants> = constants;
