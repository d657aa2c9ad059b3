/** Which engines the demo runs on. */
export type DemoBackends = "memory" | "local";

/** The demo's options, parsed from its command line. */
export interface DemoOptions {
  backends: DemoBackends;
  /** Profiles simulated at once. */
  profiles: number;
  /** Where the HTML report is written (default: a file in the system's temporary directory). */
  reportPath?: string | undefined;
  help: boolean;
}

/** The demo's usage text. */
export const demoUsage = `usage: pnpm demo [--backends memory|local] [--profiles N] [--report FILE]

  --backends memory   in-memory adapters and cache (default; needs nothing installed)
  --backends local    Postgres at 127.0.0.1:5432, memcached, dynalite, the testkit's CQL and search servers
  --profiles N        profiles simulated at once, 1..5000 (default 200)
  --report FILE       where to write the HTML report (default: a temporary file)
  --help              this text`;

/** A command line the demo refuses; its message names the problem, {@link demoUsage} says the fix. */
export class DemoUsageError extends Error {
  readonly code = "E_USAGE";
}

/**
 * Parses the demo's arguments (`--name value` or `--name=value`).
 * Throws {@link DemoUsageError} on an unknown flag, a missing or unknown value.
 */
export function parseDemoArgs(argv: readonly string[]): DemoOptions {
  const options: DemoOptions = { backends: "memory", profiles: 200, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    // pnpm passes a lone "--" through when the user separates script arguments with it.
    if (arg === "--") continue;
    const eq = arg.indexOf("=");
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith("--")) throw new DemoUsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--backends": {
        const v = value();
        if (v !== "memory" && v !== "local") throw new DemoUsageError(`unknown --backends value ${JSON.stringify(v)} (memory or local)`);
        options.backends = v;
        break;
      }
      case "--profiles": {
        const v = value();
        const n = Number(v);
        if (!/^\d+$/.test(v) || n < 1 || n > 5000) throw new DemoUsageError(`--profiles must be a whole number from 1 to 5000, got ${JSON.stringify(v)}`);
        options.profiles = n;
        break;
      }
      case "--report":
        options.reportPath = value();
        break;
      case "--help":
      case "-h":
        if (inline !== undefined) throw new DemoUsageError(`${flag} takes no value`);
        options.help = true;
        break;
      default:
        throw new DemoUsageError(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  return options;
}
