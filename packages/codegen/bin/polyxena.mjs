#!/usr/bin/env node
// The `polyxena` CLI: registers tsx so entity modules and the config can be
// TypeScript, then runs the TypeScript CLI.
import { register as registerCommonJs } from "tsx/cjs/api";
import { register } from "tsx/esm/api";

register();
// In a package without "type": "module", .ts files are CommonJS: they need tsx's require hook too.
registerCommonJs();
const { main } = await import("../src/cli.ts");
process.exitCode = await main(process.argv.slice(2));
// `schema apply` closes its adapters, but a driver may keep a socket or timer
// alive after close(); the command is done, so it must not hang on it. The
// timer is unref'd: when nothing else is pending the process exits at once.
setTimeout(() => process.exit(), 2000).unref();
