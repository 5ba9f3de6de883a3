/**
 * Command lines read with node:util parseArgs, the same way in every tool: strict (an unknown option or a
 * missing value is an error, said with the usage, exit code 2), `--help` / `-h` prints the usage (exit 0).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export type CliOptions = NonNullable<ParseArgsConfig['options']>;

export interface CommandLineSpec<O extends CliOptions> {
  /** Printed for --help and after a mistake. */
  usage: string;
  options: O;
  /** Whether arguments other than options are taken (files, subcommands). Default false. */
  positionals?: boolean;
  /** Exit code of a usage error, 2 unless the tool already gives 2 another meaning. */
  usageExitCode?: number;
}

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

type Parsed<O extends CliOptions> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O & typeof HELP; allowPositionals: boolean; strict: true }>
>;

/** Exits with the message and the usage, code 2 (a usage error) unless told otherwise. */
export function usageError(message: string, usage: string, exitCode = 2): never {
  process.stderr.write(`${message}\n\n${usage}\n`);
  process.exit(exitCode);
}

/** Reads the command line (default: this process's), or exits on --help (0) and on a mistake (2). */
export function parseCommandLine<const O extends CliOptions>(
  spec: CommandLineSpec<O>,
  args: string[] = process.argv.slice(2),
): Parsed<O> {
  const options = { ...spec.options, ...HELP } as O & typeof HELP;
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: spec.positionals ?? false, strict: true });
  } catch (e) {
    usageError((e as Error).message, spec.usage, spec.usageExitCode);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(`${spec.usage}\n`);
    process.exit(0);
  }
  return parsed;
}

/** A whole number of at least `min` from an option's text, the fallback when absent; exits 2 otherwise. */
export function integerOption(
  value: string | undefined,
  name: string,
  fallback: number,
  usage: string,
  min = 1,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min)
    usageError(`--${name} must be a whole number of at least ${min}, not '${value}'`, usage);
  return n;
}

/** A number from an option's text, the fallback when absent; exits 2 when it is not a number. */
export function numberOption(value: string | undefined, name: string, fallback: number, usage: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) usageError(`--${name} must be a number, not '${value}'`, usage);
  return n;
}
