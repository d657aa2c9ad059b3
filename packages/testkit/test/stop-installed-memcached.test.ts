import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const SCRIPTS = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "scripts");
const dir = mkdtempSync(join(tmpdir(), "stop-memcached-"));
const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, "utf8").split(" ")[2]!.startsWith("Z");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startMemcached(): ChildProcess {
  const args = ["-U", "0", "-l", "127.0.0.1", "-p", "0"];
  if (process.getuid?.() === 0) args.push("-u", "root");
  const child = spawn("memcached", args, { stdio: "ignore" });
  child.on("error", () => undefined);
  started.push(child);
  return child;
}

describe("ensure-services stops only the memcached it installed", () => {
  it("never runs a host-wide kill of memcached", () => {
    const script = readFileSync(join(SCRIPTS, "ensure-services.mjs"), "utf8");
    expect(script).not.toMatch(/\b(pkill|killall)\b/);
    expect(script).toContain("stopInstalledMemcached()");
  });

  it("stops the daemon named by the package's pid file and leaves every other memcached running", async () => {
    const bystander = startMemcached();
    const daemon = startMemcached();
    await sleep(200);
    expect(alive(bystander.pid!)).toBe(true);
    expect(alive(daemon.pid!)).toBe(true);
    const pidFile = join(dir, "memcached.pid");
    writeFileSync(pidFile, `${daemon.pid}\n`);
    const run = spawnSync(process.execPath, [join(SCRIPTS, "stop-installed-memcached.mjs"), pidFile], { encoding: "utf8" });
    expect(run.stdout).toContain(`stopped memcached ${daemon.pid}`);
    for (let i = 0; i < 50 && alive(daemon.pid!); i++) await sleep(20);
    expect(alive(daemon.pid!)).toBe(false);
    expect(alive(bystander.pid!)).toBe(true);

    // A stale pid file naming a process that is not memcached stops nothing.
    writeFileSync(pidFile, `${process.pid}\n`);
    const stale = spawnSync(process.execPath, [join(SCRIPTS, "stop-installed-memcached.mjs"), pidFile], { encoding: "utf8" });
    expect(stale.stdout).toContain("no installed memcached daemon to stop");
    expect(alive(bystander.pid!)).toBe(true);
  });
});
