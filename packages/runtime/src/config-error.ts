/** A setting is missing or wrong: the service refuses to start and says which. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}
