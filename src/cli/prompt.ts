// The one way the tools and daemons ask the user something on the terminal (enquirer, loaded
// only when a question is asked). Nothing is asked when standard input is not a terminal: the
// answer is then 'no-tty' and the caller refuses, never waiting for input that cannot come.
import type {Writable} from 'node:stream';

export interface PromptOptions {
  /** Where the question goes; stderr by default, so that stdout carries only the command's output. */
  output?: Writable;
}

async function ask<T>(question: object, fallback: T, opts: PromptOptions): Promise<T | 'no-tty'> {
  if (process.stdin.isTTY !== true) return 'no-tty';
  const output = opts.output ?? process.stderr;
  const {default: Enquirer} = await import('enquirer');
  try {
    const res = await Enquirer.prompt<{answer: T}>({...question, name: 'answer', stdout: output} as Parameters<typeof Enquirer.prompt>[0]);
    return res.answer;
  } catch {
    // Ctrl-C (or Escape) rejects: the fallback answer.
    return fallback;
  } finally {
    // enquirer leaves the cursor on the prompt's line.
    output.write('\n');
    process.stdin.pause();
  }
}

/** A yes/no question; no unless the user says yes. */
export async function askYesNo(question: string, opts: PromptOptions = {}): Promise<boolean | 'no-tty'> {
  const answer = await ask<boolean>({type: 'confirm', message: question, initial: false}, false, opts);
  return answer === 'no-tty' ? answer : answer === true;
}

/** A line of text; '' when the user aborts. */
export async function askText(question: string, opts: PromptOptions = {}): Promise<string | 'no-tty'> {
  const answer = await ask<string>({type: 'input', message: question}, '', opts);
  return answer === 'no-tty' ? answer : String(answer);
}
