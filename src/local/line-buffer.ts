/**
 * Lines to a stream, written in batches: at most every 50 ms, or at once when 256 lines are waiting. The access log
 * is a line per request, and a write per line (a system call, and a wake-up of whatever reads the output) cost the
 * runner's main thread a fifth of its time under load; 50 ms is too short a delay for a person to notice.
 */
export class LineBuffer {
  private lines: string[] = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly stream: NodeJS.WritableStream, private readonly delayMs = 50, private readonly maxLines = 256) {}

  readonly write = (line: string): void => {
    this.lines.push(line);
    if (this.lines.length >= this.maxLines) this.flush();
    else this.timer ??= setTimeout(this.flush, this.delayMs);
  };

  readonly flush = (): void => {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.lines.length === 0) return;
    const text = this.lines.join('\n') + '\n';
    this.lines = [];
    this.stream.write(text);
  };
}
