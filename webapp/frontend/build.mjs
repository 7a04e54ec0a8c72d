// Bundles the front-end entry points of webapp/frontend/ into webapp/static/build/ (run by `make run`/`make test`).
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { copyFileSync, mkdirSync, readdirSync } from "node:fs";

const here = path.dirname(fileURLToPath(import.meta.url));
// Every top-level .js file here is a page's entry point; shared code lives in sub-folders.
const entries = readdirSync(here).filter((name) => name.endsWith(".js"));

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

// The fonts the PDF reports are drawn with (Vietnamese diacritics): read by the server, not by the browser.
const fonts = path.join(here, "..", "..", "node_modules", "dejavu-fonts-ttf", "ttf");
const fontsOut = path.join(here, "..", "static", "build", "fonts");
mkdirSync(fontsOut, { recursive: true });
for (const name of ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"]) {
  copyFileSync(path.join(fonts, name), path.join(fontsOut, name));
}
