// Public surface of src/config: YAML -> readonly Config, its errors, and the sample renderer.
export { ConfigError, InvalidConfigError, formatProblem, type ConfigErrorCode } from './errors.js';
export { Secret, describeSource, type SecretSource } from './secret.js';
export { SCHEMA, type Config, type IrcNetworkConfig } from './schema.js';
export type { DaemonAddress, ListenAddress } from './values.js';
export type { ConfigEnvironment } from './validate.js';
export {
  PROCESS_ENVIRONMENT,
  checkConfigFile,
  checkConfigText,
  loadConfigFile,
  loadConfigText,
  type ConfigCheck,
} from './load.js';
export { renderSample } from './sample.js';
