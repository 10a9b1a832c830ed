// Imported first by expenses-main.ts: a module's imports run before its own body, so only a first
// import marks where the bundle starts running (read by the benchmark, as the blank webview's start).
performance.mark('expenses:script-start');
