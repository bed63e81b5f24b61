// Bundles src/main.ts and src/style.css with esbuild into ../gateway/static/,
// copies index.html, and writes the licenses of every bundled npm package.
import * as esbuild from "esbuild";
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "gateway", "static");
const dev = process.argv.includes("--dev");
const watch = process.argv.includes("--watch");

const options = {
  entryPoints: [
    { in: join(here, "src", "main.ts"), out: "app" },
    { in: join(here, "src", "style.css"), out: "app" },
    // the widget manager (~1.5 MB): loaded by widget_page.ts when a page first meets a widget
    { in: join(here, "src", "widgets.ts"), out: "widgets" },
  ],
  outdir: out,
  bundle: true,
  format: "esm",
  splitting: true, // the markdown renderer is a chunk loaded on first use (markdown_lazy.ts)
  chunkNames: "chunks/[name]-[hash]",
  target: ["chrome110", "firefox115", "safari16"],
  minify: !dev,
  sourcemap: dev,
  metafile: true,
  legalComments: "none",
  loader: { ".woff2": "file", ".woff": "file", ".ttf": "file", ".svg": "text" }, // KaTeX's fonts; the widget controls' SVG icons
  assetNames: "fonts/[name]-[hash]",
  logLevel: "warning",
  define: { "process.env.NODE_ENV": '"production"' },
  plugins: [jsCssIsEmpty()],
};

// The widget manager's modules require() their CSS; the page links that CSS
// through src/style.css instead (one app.css), so such requires load nothing.
function jsCssIsEmpty() {
  return {
    name: "js-css-is-empty",
    setup(build) {
      build.onResolve({ filter: /\.css$/ }, (args) =>
        args.kind === "require-call" || args.kind === "import-statement" ? { path: args.path, namespace: "empty-css" } : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: "empty-css" }, () => ({ contents: "", loader: "js" }));
    },
  };
}

async function licenses(metafile) {
  const packages = new Map();
  for (const input of Object.keys(metafile.inputs)) {
    const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
    if (m) packages.set(m[1], join(here, "node_modules", m[1]));
  }
  const parts = [];
  for (const [name, dir] of [...packages].sort()) {
    const pkg = JSON.parse(await readFile(join(dir, "package.json"), "utf8"));
    const file = (await readdir(dir)).find((f) => /^(licen[cs]e|copying)/i.test(f));
    const text = file ? await readFile(join(dir, file), "utf8") : `License: ${pkg.license}`;
    parts.push(`${name} ${pkg.version}\n${"-".repeat(60)}\n${text.trim()}\n`);
  }
  return parts.join("\n");
}

async function finish(result) {
  await copyFile(join(here, "index.html"), join(out, "index.html"));
  await writeFile(join(out, "THIRD_PARTY_LICENSES.txt"), await licenses(result.metafile));
  const js = (await readFile(join(out, "app.js"))).length;
  const css = (await readFile(join(out, "app.css"))).length;
  console.log(`webui: gateway/static/app.js ${(js / 1024).toFixed(0)} KiB, app.css ${(css / 1024).toFixed(0)} KiB`);
}

await mkdir(out, { recursive: true });
for (const folder of ["chunks", "fonts"]) await rm(join(out, folder), { recursive: true, force: true }); // no stale hashed files
if (watch) {
  const ctx = await esbuild.context({
    ...options,
    plugins: [...options.plugins, { name: "finish", setup: (b) => b.onEnd((r) => r.errors.length || finish(r)) }],
  });
  await ctx.watch();
  console.log("webui: watching src/ (Ctrl-C to stop)");
} else {
  await finish(await esbuild.build(options));
}
