// LUXI framing: every message is one JSON text followed by the byte 0x03 (ETX).

export const ETX = 0x03;
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export class MessageTooLargeError extends Error {}

/** A message as it was read: its bytes in order, in one or more chunks (without the ETX). */
export interface Message {
  chunks: Buffer[];
  bytes: number;
}

/** A message's bytes in one buffer (a copy when it came in several chunks). */
export function messageBytes(msg: Message): Buffer {
  return msg.chunks.length === 1 ? msg.chunks[0]! : Buffer.concat(msg.chunks, msg.bytes);
}

/** Splits a byte stream into ETX-terminated messages; keeps the unfinished tail. */
export class EtxSplitter {
  private chunks: Buffer[] = [];
  private pending = 0;

  constructor(private readonly maxBytes = DEFAULT_MAX_MESSAGE_BYTES) {}

  /** Returns the complete messages in `data`, each in one buffer; throws MessageTooLargeError past the limit. */
  push(data: Buffer): Buffer[] {
    return this.pushChunks(data).map(messageBytes);
  }

  /**
   * Returns the complete messages in `data` as the chunks they were read in: a message of 64 MiB
   * is never copied into one buffer in one step (docs/luxi.md). Throws MessageTooLargeError past the limit.
   */
  pushChunks(data: Buffer): Message[] {
    const out: Message[] = [];
    let start = 0;
    let idx = data.indexOf(ETX);
    while (idx !== -1) {
      const part = data.subarray(start, idx);
      if (this.pending + part.length > this.maxBytes) throw new MessageTooLargeError(this.tooLarge());
      if (this.chunks.length > 0) {
        this.chunks.push(part);
        out.push({chunks: this.chunks, bytes: this.pending + part.length});
        this.chunks = [];
        this.pending = 0;
      } else {
        out.push({chunks: [part], bytes: part.length});
      }
      start = idx + 1;
      idx = data.indexOf(ETX, start);
    }
    if (start < data.length) {
      const rest = data.subarray(start);
      this.pending += rest.length;
      if (this.pending > this.maxBytes) throw new MessageTooLargeError(this.tooLarge());
      this.chunks.push(rest);
    }
    return out;
  }

  get buffered(): number {
    return this.pending;
  }

  private tooLarge(): string {
    return `message larger than ${this.maxBytes} bytes`;
  }
}

export function frame(text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  const out = Buffer.allocUnsafe(body.length + 1);
  body.copy(out);
  out[body.length] = ETX;
  return out;
}
