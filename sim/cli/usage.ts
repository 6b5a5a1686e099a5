// Errors that are the user's to fix (exit code 2, printed without a stack trace).

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A command that is declared in the CLI contract but not built yet says so plainly. */
export function notBuilt(command: string, where: string): never {
  throw new UsageError(`\`sim ${command}\` is not built yet; it arrives with ${where}. See README.md, "Roadmap".`);
}
