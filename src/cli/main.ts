// The only `catch` of the program: builds the command tree, runs it, maps errors to exit codes
// (0 ok, 1 failure, 2 usage error) and prints a stack only with --verbose.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { packageVersion } from './meta.js';
import { UserError, ExitError, errorMessage, fsReason, isDbBusy } from '../errors.js';
import { colorEnabled, Output } from './output.js';
import { registerAll } from './commands/index.js';

export function buildProgram(): Command {
  const program = new Command('outreach');
  program
    .description('B2B cold outreach to Shopify merchants, from one terminal and one SQLite file.')
    .version(packageVersion(), '-V, --version')
    .addOption(new Option('--db <path>', 'database file (default: $OUTREACH_DB, else ./outreach.db)'))
    .option('--json', 'print results as JSON (reading commands)')
    .option('-v, --verbose', 'more detail, and stack traces for unexpected errors')
    .option('-q, --quiet', 'print only results and errors (warnings too when the command fails)')
    .option('--no-color', 'no colour (also off when not a TTY or NO_COLOR is set)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      outputError: (str, write) => write(str),
    })
    .addHelpText(
      'after',
      `
Examples:
  $ outreach init                          write .env, outreach.yaml, profile.yaml and the database
  $ outreach leads import leads.csv        import leads from a CSV file
  $ outreach leads export -o leads.csv     export them for a spreadsheet
  $ outreach db backup backup.db           online backup, safe while other commands run

Exit codes: 0 ok, 1 failure, 2 usage error.`,
    );
  registerAll(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  const wantsVerbose = argv.includes('--verbose') || argv.includes('-v');
  const colorFlag = !argv.includes('--no-color');
  const out = new Output({
    json: false,
    quiet: false,
    verbose: wantsVerbose,
    color: colorEnabled(colorFlag, process.stdout),
    stderrColor: colorEnabled(colorFlag, process.stderr),
  });
  // A reader that stops early (`outreach leads export | head`) is not an error. Any other failure to write the
  // results (`> leads.csv` on a full disk, an I/O error, a closed descriptor) is: one line, exit 1. It comes as
  // an 'error' event of the stream, outside any command's try/catch, so it is answered here.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    try {
      out.error(`Cannot write to standard output: ${fsReason(err)}`);
      if (wantsVerbose && err.stack) process.stderr.write(err.stack + '\n');
    } catch {
      // stderr is gone too
    }
    process.exit(1);
  });
  // Nowhere left to say anything: stop, with the exit code telling what happened.
  process.stderr.on('error', (err: NodeJS.ErrnoException) => {
    process.exit(err.code === 'EPIPE' ? (process.exitCode ?? 0) : 1);
  });
  try {
    if (argv.length <= 2) {
      program.outputHelp();
      process.exitCode = 2;
      return;
    }
    // `outreach help NAME [SUB...]`: the help of that command (commander's own `help` takes one word, so
    // `help leads import` showed the help of `leads`); an unknown name is a usage error.
    if (argv[2] === 'help' && argv.length > 3) {
      const words = argv.slice(3);
      let target: Command = program;
      for (const [i, w] of words.entries()) {
        const next = target.commands.find((c) => c.name() === w || c.aliases().includes(w));
        if (!next) {
          out.error(`unknown command '${words.slice(0, i + 1).join(' ')}'`, `See \`outreach ${words.slice(0, i).map((x) => x + ' ').join('')}--help\` for the commands.`);
          process.exitCode = 2;
          return;
        }
        target = next;
      }
      target.outputHelp();
      process.exitCode = 0;
      return;
    }
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = exitCodeFor(err, out, wantsVerbose);
  }
}

export function exitCodeFor(err: unknown, out: Output, verbose: boolean): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
    // Help asked for (`outreach help leads`) is a success; help shown because something was missing is a usage
    // error: a command group without its subcommand (`outreach leads`) or `outreach help UNKNOWN` (commander
    // printed the help on stderr and set a non-zero code then).
    if (err.code === 'commander.help') return err.exitCode === 0 ? 0 : 2;
    // commander has already printed what was wrong.
    return err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof ExitError) return err.exitCode;
  if (err instanceof UserError) {
    out.error(err.message, err.hint);
    return err.exitCode;
  }
  const code = (err as { code?: string } | null)?.code;
  if (isDbBusy(err)) {
    out.error('The database stayed locked by another outreach process for too long.', 'Try again in a moment.');
    return 1;
  }
  if (typeof code === 'string' && (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM')) {
    // Commands report this with the database's path (action()); this is the net for anything else.
    out.error(`Cannot write the database: ${errorMessage(err)}.`, 'Check the permissions of the database file, of its -wal and -shm files and of its folder.');
    return 1;
  }
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') {
    out.error('The disk is full; nothing was half-written (each change is a transaction).');
    return 1;
  }
  if (code === 'EPIPE') return 0; // stdout closed early (e.g. piped into head)
  out.error(`Unexpected error: ${errorMessage(err)}`, verbose ? undefined : 'This is a bug in outreach. Run again with --verbose for details.');
  if (verbose && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  return 1;
}

/** Run as `node dist/cli/main.js ...` (not through bin/outreach): the same CLI, not a silent no-op. */
function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return pathToFileURL(realpathSync(entry)).href === import.meta.url;
  } catch {
    return false;
  }
}

if (isEntryPoint()) await main(process.argv);
