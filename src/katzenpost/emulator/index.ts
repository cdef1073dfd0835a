// The local emulator of kpclientd + couriers + replicas (issue 3). Only src/cli and tests import it.
// Fault injection for tests: Emulator#setOnline, #rotateCourier, #publishPkiDocument (after moving
// an injected options.clock), restart by close() + start() over the same dataDir.
export { Emulator, type EmulatorStartOptions, type ListenAddress } from './emulator.js';
export {
  type Clock, DEMO_OPTIONS, type EmulatorOptions, FAST_OPTIONS, type LatencyModel,
  parseDuration, parseLatency, systemClock, withOptions,
} from './options.js';
export { DEFAULT_MAX_PLAINTEXT_PAYLOAD_LENGTH, type Geometry, geometryFor } from './geometry.js';
export { ReplicaCode, ThinCode } from './codes.js';
export { DATABASE_FILE } from './box-store.js';
