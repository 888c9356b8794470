/**
 * How every Herald app reads its settings: from the environment it is given (never behind its
 * back from process.env), against a JSON Schema, once at start-up, with an error that names each
 * bad variable and never echoes a secret.
 */
import { envSchema } from 'env-schema';

/** Variables whose values may hold a credential: named in errors, never shown. */
const SECRET_BEARING = /URL|SECRET|PASSWORD|TOKEN|KEY/;

/** Turns "env/PORT must be <= 65535, ..." into "PORT must be <= 65535 (got "70000"); ...". */
export function describeEnvError(error: Error, env: Record<string, string | undefined>): string {
  const parts = error.message.split(', ').map((part) => {
    const match = /^env\/(\w+) (.*)$/.exec(part.trim());
    if (!match) return part.replace(/^env /, '');
    const [, name, problem] = match;
    const shown = SECRET_BEARING.test(name!) ? 'a value not shown here' : JSON.stringify(env[name!]);
    return `${name} ${problem} (got ${shown})`;
  });
  return `invalid configuration: ${parts.join('; ')}`;
}

/**
 * Validates `env` against `schema` (defaults applied, numbers and booleans coerced) and returns
 * the raw settings. Empty strings mean "not set" (what `VAR= npm start` or compose interpolation
 * gives). A bad value throws what `fail` makes of the described message.
 */
export function readEnv<T>(schema: object, env: Record<string, string | undefined>, fail: (message: string, cause: unknown) => Error): T {
  const data = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  try {
    // env: false: read only `env`; env-schema would otherwise fill its gaps from process.env.
    return envSchema<T>({ schema, data, env: false, dotenv: false }) as T;
  } catch (error) {
    throw fail(describeEnvError(error as Error, env), error);
  }
}
