#!/usr/bin/env node
// The `polyxena` CLI: registers tsx so entity modules and the config can be
// TypeScript, then runs the TypeScript CLI.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli.ts");
process.exitCode = await main(process.argv.slice(2));
