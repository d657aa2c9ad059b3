#!/usr/bin/env node
// The `polyxena` CLI: registers tsx so entity modules and the config can be
// TypeScript, then runs the TypeScript CLI.
import { existsSync } from "node:fs";
import { register as registerCommonJs } from "tsx/cjs/api";
import { register } from "tsx/esm/api";

register();
// In a package without "type": "module", .ts files are CommonJS: they need tsx's require hook too.
registerCommonJs();
// Inside the workspace the CLI runs from its sources; a published package ships dist/ only.
const workspaceSource = new URL("../src/cli.ts", import.meta.url);
const { main } = await import(existsSync(workspaceSource) ? workspaceSource.href : "../dist/cli.js");
process.exitCode = await main(process.argv.slice(2));
// `schema apply` closes its adapters, but a driver may keep a socket or timer
// alive after close(); the command is done, so it must not hang on it. The
// timer is unref'd: when nothing else is pending the process exits at once.
setTimeout(() => process.exit(), 2000).unref();
