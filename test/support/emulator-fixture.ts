// A started emulator for tests (zero latency unless overridden), on an ephemeral TCP port.
// Usage: const emu = await startEmulator(); … connect to emu.address …; await emu.stop();
import { Emulator, type EmulatorOptions, FAST_OPTIONS, withOptions } from '../../src/katzenpost/emulator/index.js';

export interface EmulatorFixture {
  readonly emulator: Emulator;
  /** "127.0.0.1:PORT" */
  readonly address: string;
  stop(): Promise<void>;
}

export async function startEmulator(overrides: Partial<EmulatorOptions> = {}, dataDir?: string): Promise<EmulatorFixture> {
  const emulator = await Emulator.start({ options: withOptions(FAST_OPTIONS, overrides), dataDir });
  const address = await emulator.listen('127.0.0.1:0');
  return { emulator, address, stop: () => emulator.close() };
}
