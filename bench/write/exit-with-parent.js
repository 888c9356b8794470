/**
 * Preloaded (`--import`) into every server the benchmark starts. The benchmark keeps an IPC
 * channel open to each of them; when the benchmark dies, even by SIGKILL, the channel closes and
 * the server stops itself as on Ctrl-C (SIGTERM: graceful), so no server outlives a run.
 *
 * Plain JavaScript: worker threads inherit `--import` flags and load them before tsx is
 * registered in them. There `process.channel` is undefined, so this does nothing.
 */
if (process.channel) {
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  // After the listener: adding a 'disconnect' listener refs the channel again. Unref'd, the
  // channel neither keeps a server alive nor changes anything else about it.
  process.channel.unref();
}
