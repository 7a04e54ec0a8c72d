// Bundles the front-end entry points of webapp/frontend/ into webapp/static/build/ (run by `make run`/`make test`).
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const entries = ["version_diff.js"];

await build({
  entryPoints: entries.map((name) => path.join(here, name)),
  outdir: path.join(here, "..", "static", "build"),
  bundle: true,
  minify: true,
  sourcemap: false,
  format: "iife",
  target: ["es2020"],
  loader: { ".woff": "file", ".woff2": "file", ".eot": "file", ".ttf": "file", ".svg": "file" },
  assetNames: "assets/[name]-[hash]",
  logLevel: "warning",
});
