/**
 * `npm run replay -- --from <ISO> --to <ISO> [--type T] [--publish <topic>]` (see command.ts).
 */
import { runReplayCommand } from './command.js';

const code = await runReplayCommand(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr });
process.exitCode = code;
