// Removes the current package's dist/ before a build, so files of deleted
// sources never reach a packed tarball.
import { rmSync } from "node:fs";

rmSync("dist", { recursive: true, force: true });
