// A second host for the connector component: the jco-transpiled component
// (`jco transpile --instantiation async`) run under Node.js, with WASI
// (wasi:http included) from @bytecodealliance/preview2-shim.
//
//   node run-report.mjs <transpiled.js> <report-id> [name=value ...] < config.json
//
// The configuration comes on stdin, so credentials never show in argv.
// stdout, one JSON object per line:
//   {"reports": N, "columns": [...]}     the catalog size and the report's column names
//   {"row": [cell, ...]}                 one per row, cells as {"tag", "val"};
//                                        integers as decimal strings (s64 is a BigInt)
//   {"done": {"rows": N, "batches": B, "rotatedRefreshToken": T}}  at the end
//                                        (T: `rotated-refresh-token()`, or null)
// Exit codes: 0 success; 1 a typed connector error, with `<code>: <message>`
// as the last line of stderr (like `connector-harness run`); 2 anything else
// (instantiation failure, a trap, a missing import), with the JS error.

import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { http } from "@bytecodealliance/preview2-shim";
import { WASIShim } from "@bytecodealliance/preview2-shim/instantiation";

function finish(code) {
  // Flush stdout before exiting: preview2-shim's I/O worker thread may keep
  // the event loop alive, so exit explicitly once the output is written.
  process.stdout.write("", () => process.exit(code));
}

function fail(code, text) {
  process.stderr.write(text.endsWith("\n") ? text : text + "\n");
  finish(code);
}

// preview2-shim 0.26.1 bug, worked around unless NODE_HOST_NO_SHIM_FIXES=1:
// when reading a response body fails (the connection is cut mid-body, or the
// shim's own timeout destroys the request), the stream error's payload is a
// plain Node error ({code, message, stack}), and `wasi:http/types#http-error-code`
// returns that payload as it is. jco cannot lower it into
// `option<error-code>` and throws a TypeError ("invalid variant tag value
// `undefined` (received `Error: aborted`) specified for `ErrorCode`") through
// the guest: the call traps instead of the guest seeing a transport error it
// can retry. An error that is not a wasi:http error-code is `none`, as the
// interface says.
function httpImports() {
  if (process.env.NODE_HOST_NO_SHIM_FIXES === "1") return http;
  const httpErrorCode = (err) => {
    const code = http.types.httpErrorCode(err);
    return code && typeof code.tag === "string" ? code : undefined;
  };
  return { ...http, types: { ...http.types, httpErrorCode } };
}

function cellToJson(cell) {
  switch (cell.tag) {
    case "null":
      return { tag: "null" };
    case "integer":
      return { tag: "integer", val: cell.val.toString() };
    case "float":
      // JSON has no NaN or infinities; the wasmtime host maps them to null too.
      return { tag: "float", val: Number.isFinite(cell.val) ? cell.val : null };
    case "boolean":
    case "text":
    case "timestamp":
    case "json":
      return { tag: cell.tag, val: cell.val };
    default:
      throw new Error(`unknown cell tag ${JSON.stringify(cell.tag)}`);
  }
}

async function main() {
  const [modulePath, reportId, ...pairs] = process.argv.slice(2);
  if (!modulePath || !reportId) {
    fail(2, "usage: node run-report.mjs <transpiled.js> <report-id> [name=value ...] < config.json");
    return;
  }
  const params = pairs.map((pair) => {
    const at = pair.indexOf("=");
    if (at < 0) throw new Error(`a parameter is name=value, got ${JSON.stringify(pair)}`);
    return [pair.slice(0, at), pair.slice(at + 1)];
  });
  const config = readFileSync(0, "utf8");

  const jsPath = resolve(modulePath);
  const { instantiate } = await import(pathToFileURL(jsPath).href);
  const coreDir = dirname(jsPath);
  // Like the wasmtime host: no environment variables, no arguments.
  const shim = new WASIShim({ http: httpImports(), sandbox: { env: {}, args: [] } });
  const component = await instantiate(
    (name) => WebAssembly.compile(readFileSync(join(coreDir, name))),
    shim.getImportObject(),
  );
  const connector = component.connector ?? component["bitbucket:connector/connector@0.2.0"];

  let rows = 0;
  let batches = 0;
  try {
    connector.configure(config);
    const reports = connector.listReports();
    const report = reports.find((r) => r.id === reportId);
    const columns = report ? report.columns.map((c) => c.name) : [];
    process.stdout.write(JSON.stringify({ reports: reports.length, columns }) + "\n");

    const run = connector.runReport(reportId, params);
    for (;;) {
      const batch = run.nextBatch();
      if (batch === undefined) break;
      batches += 1;
      let out = "";
      for (const row of batch) {
        if (row.length !== columns.length) {
          throw new Error(`a row has ${row.length} cells for ${columns.length} columns`);
        }
        out += JSON.stringify({ row: row.map(cellToJson) }) + "\n";
        rows += 1;
      }
      process.stdout.write(out);
    }
    run[Symbol.dispose]?.();
  } catch (e) {
    // jco throws a `result`'s error as a ComponentError whose `payload` is
    // the connector-error record ({code, message, httpStatus, retryAfterSeconds}).
    const payload = e && Object.prototype.hasOwnProperty.call(e, "payload") ? e.payload : undefined;
    if (payload && typeof payload.code === "string") {
      process.stderr.write(
        JSON.stringify({
          code: payload.code,
          httpStatus: payload.httpStatus ?? null,
          retryAfterSeconds: payload.retryAfterSeconds ?? null,
        }) + "\n",
      );
      fail(1, `${payload.code}: ${payload.message}`);
      return;
    }
    throw e;
  }
  const rotatedRefreshToken = connector.rotatedRefreshToken() ?? null;
  process.stdout.write(JSON.stringify({ done: { rows, batches, rotatedRefreshToken } }) + "\n");
  finish(0);
}

main().catch((e) => fail(2, `host-error: ${e && e.stack ? e.stack : String(e)}`));
