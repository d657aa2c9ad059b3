import { readdirSync } from "node:fs";
import { join } from "node:path";

function segmentRegex(segment: string): RegExp {
  const body = segment.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]");
  return new RegExp(`^${body}$`);
}

/** True when a path pattern contains glob characters. */
export function hasGlob(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

/**
 * Files under `baseDir` matching a `/`-separated pattern, where `*` and `?`
 * match within one segment and `**` matches any number of segments. Dot
 * folders and `node_modules` are not searched by wildcards. Sorted.
 */
export function findFiles(baseDir: string, pattern: string): string[] {
  const segments = pattern.split("/").filter((s) => s !== "" && s !== ".");
  const found = new Set<string>();
  const entries = (dir: string) => {
    try {
      return readdirSync(dir, { withFileTypes: true });
    } catch {
      return [];
    }
  };
  const walk = (dir: string, index: number): void => {
    const segment = segments[index];
    if (segment === undefined) return;
    const last = index === segments.length - 1;
    if (segment === "**") {
      walk(dir, index + 1);
      for (const e of entries(dir)) {
        if (e.isDirectory() && !e.name.startsWith(".") && e.name !== "node_modules") walk(join(dir, e.name), index);
      }
      return;
    }
    if (!hasGlob(segment)) {
      const next = join(dir, segment);
      if (last) {
        if (entries(dir).some((e) => e.name === segment && e.isFile())) found.add(next);
      } else {
        walk(next, index + 1);
      }
      return;
    }
    const regex = segmentRegex(segment);
    for (const e of entries(dir)) {
      if (!regex.test(e.name) || (e.name.startsWith(".") && !segment.startsWith("."))) continue;
      if (last ? e.isFile() : e.isDirectory() && e.name !== "node_modules") {
        if (last) found.add(join(dir, e.name));
        else walk(join(dir, e.name), index + 1);
      }
    }
  };
  if (segments[0] === "..") {
    // Leading parent segments are plain navigation.
    let dir = baseDir;
    let i = 0;
    while (segments[i] === "..") {
      dir = join(dir, "..");
      i++;
    }
    return findFiles(dir, segments.slice(i).join("/"));
  }
  walk(baseDir, 0);
  return [...found].sort();
}
