/** The value after `--name` on the command line, or `fallback` (bench scripts take plain `--name value` options). */
export function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : fallback;
}
