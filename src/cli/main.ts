#!/usr/bin/env node
// The command line: `plexspaces-channel demo | send | recv | info | stats | bench`, in the habits
// of kcat, the nats CLI and redis-cli. Arguments are parsed by commander (a well-kept, dependency-
// free parser with help on every subcommand); every failure is one line on stderr and an exit
// code scripts can rely on (exit-codes.ts).
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ACCEPTED_FORMS } from '../channel-url.js';
import { addBenchCommand } from './commands/bench.js';
import { addDemoCommand } from './commands/demo.js';
import { addInspectCommands } from './commands/inspect.js';
import { addRecvCommand } from './commands/recv.js';
import { addSendCommand } from './commands/send.js';
import { EXIT, exitCodeOf, oneLine } from './exit-codes.js';

/** This package's version, from its package.json (found upwards from this file: src/ or dist/src/). */
function version(): string {
  for (let dir = new URL('.', import.meta.url); dir.pathname !== '/'; dir = new URL('..', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'plexspaces-channel') return pkg.version ?? 'unknown';
    } catch {
      // not here: look one folder up
    }
  }
  return 'unknown';
}

function buildProgram(): Command {
  const program = new Command('plexspaces-channel')
    .description('one Channel interface, from worker threads (memory:) to Redis, Kafka and NATS')
    .version(version(), '-V, --version')
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `\nURLs: ${ACCEPTED_FORMS.join(' | ')}\n` +
        `Exit codes: ${EXIT.ok} success, ${EXIT.failure} failure, ${EXIT.usage} usage error, ${EXIT.timeout} timeout, ${EXIT.interrupted} interrupted (Ctrl-C)`,
    )
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`plexspaces-channel: ${text.replace(/^error: /, '')}`) });
  addDemoCommand(program);
  addSendCommand(program);
  addRecvCommand(program);
  addInspectCommands(program);
  addBenchCommand(program);
  // Subcommands report like the program does (exitOverride and the one-line error are per command).
  for (const command of program.commands) {
    command.exitOverride().configureOutput({ outputError: (text, write) => write(`plexspaces-channel ${command.name()}: ${text.replace(/^error: /, '')}`) });
  }
  return program;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version end the run successfully; commander has printed everything else already.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    process.stderr.write(`plexspaces-channel: ${oneLine(err)}\n`);
    return exitCodeOf(err);
  }
}

const code = await main(process.argv.slice(2));
// Let stdout drain before the exit code is set: a piped recv must not lose its last lines.
process.exitCode = code;
