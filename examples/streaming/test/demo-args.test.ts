import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DemoUsageError, parseDemoArgs } from "../src/demo-args.js";

const exampleDir = join(dirname(fileURLToPath(import.meta.url)), "..");

describe("demo arguments", () => {
  it("defaults to the in-memory backends and 200 profiles", () => {
    expect(parseDemoArgs([])).toEqual({ backends: "memory", engines: "auto", profiles: 200, help: false });
  });

  it("reads --backends, --engines, --profiles and --report in both spellings", () => {
    expect(parseDemoArgs(["--backends", "local", "--profiles=20", "--report", "out.html"])).toEqual({ backends: "local", engines: "auto", profiles: 20, reportPath: "out.html", help: false });
    expect(parseDemoArgs(["--backends=local", "--engines", "test-servers"]).engines).toBe("test-servers");
    expect(parseDemoArgs(["--backends", "local", "--engines=real"]).engines).toBe("real");
    expect(parseDemoArgs(["--", "--backends=memory"]).backends).toBe("memory");
  });

  it.each([
    [["--backends", "cloud"], /unknown --backends value "cloud"/],
    [["--backends"], /--backends needs a value/],
    [["--profiles", "0"], /--profiles must be/],
    [["--profiles", "1e3"], /--profiles must be/],
    [["--fast"], /unknown argument "--fast"/],
    [["local"], /unknown argument "local"/],
    [["--backends", "local", "--engines", "docker"], /unknown --engines value "docker"/],
    [["--engines", "real"], /--engines chooses the engines of --backends local/],
  ])("refuses %j", (argv, message) => {
    expect(() => parseDemoArgs(argv)).toThrow(DemoUsageError);
    expect(() => parseDemoArgs(argv)).toThrow(message);
  });

  it("the demo exits with code 2 and the usage on an unknown value, before starting anything", () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", join(exampleDir, "src", "demo.ts"), "--backends", "cloud"], { cwd: exampleDir, encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown --backends value "cloud"');
    expect(result.stderr).toContain("usage: pnpm demo [--backends memory|local]");
    expect(result.stdout).not.toContain("Starting");
  }, 60_000);
});
