/** Which engines the demo runs on. */
export type DemoBackends = "memory" | "local";

/**
 * Which Cassandra and search engines `--backends local` runs: the real ones
 * (Apache Cassandra and OpenSearch, started from Maven Central), the testkit's
 * in-process servers, or the real ones where Java and Maven are installed.
 */
export type DemoEngines = "auto" | "real" | "test-servers";

/** The demo's options, parsed from its command line. */
export interface DemoOptions {
  backends: DemoBackends;
  engines: DemoEngines;
  /** Profiles simulated at once. */
  profiles: number;
  /** Where the HTML report is written (default: a file in the system's temporary directory). */
  reportPath?: string | undefined;
  help: boolean;
}

/** The demo's usage text. */
export const demoUsage = `usage: pnpm demo [--backends memory|local] [--engines auto|real|test-servers] [--profiles N] [--report FILE]

  --backends memory   in-memory adapters and cache (default; needs nothing installed)
  --backends local    Postgres at 127.0.0.1:5432, two memcached, the testkit's DynamoDB engine server,
                      Cassandra and a search server
  --engines auto      with --backends local: real Apache Cassandra 5.0 and OpenSearch 2.19 (started from
                      Maven Central) when java and mvn are installed, else the testkit's servers (default)
  --engines real      the real ones, or stop with what is missing
  --engines test-servers
                      the testkit's in-process CQL and search servers (starts in seconds)
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
  const options: DemoOptions = { backends: "memory", engines: "auto", profiles: 200, help: false };
  let enginesGiven = false;
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
      case "--engines": {
        const v = value();
        if (v !== "auto" && v !== "real" && v !== "test-servers") throw new DemoUsageError(`unknown --engines value ${JSON.stringify(v)} (auto, real or test-servers)`);
        options.engines = v;
        enginesGiven = true;
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
  if (enginesGiven && options.backends !== "local") throw new DemoUsageError("--engines chooses the engines of --backends local");
  return options;
}
