#!/usr/bin/env node
// fraudscore-simulate: writes a simulated transaction CSV. Run with --help for the options.
import { runCli } from './cli-run.js';

process.exitCode = await runCli(process.argv.slice(2));
