// Builds the minified bundles into ../webapp/static/vendor/ from the locked node_modules.
// Run through scripts/build_frontend.sh (npm ci first); the output is committed.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.join(here, "..", "webapp", "static", "vendor");

await build({
  entryPoints: {
    "bpmn-viewer": path.join(here, "src", "viewer.js"),
    "bpmn-modeler": path.join(here, "src", "modeler.js"),
    "bpmn-viewer-css": path.join(here, "src", "viewer.css"),
    "bpmn-modeler-css": path.join(here, "src", "modeler.css"),
  },
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  legalComments: "linked",
  outdir,
  assetNames: "[name]",
  loader: { ".woff": "file", ".woff2": "file", ".ttf": "file", ".eot": "file", ".svg": "file" },
  logLevel: "info",
});

// ECharts ships its own minified bundle: copied as it is (with its licence) for the dashboard.
import { copyFile } from "node:fs/promises";
const echartsDist = path.join(here, "node_modules", "echarts", "dist");
await copyFile(path.join(echartsDist, "echarts.min.js"), path.join(outdir, "echarts.min.js"));
await copyFile(path.join(here, "node_modules", "echarts", "LICENSE"), path.join(outdir, "echarts.LICENSE.txt"));
