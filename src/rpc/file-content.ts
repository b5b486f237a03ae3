// File contents in RPC bodies: `[0, text]`, or `[1, base64(zlib(text))]` for large files
// (Ganeti 3.x compresses from 4096 bytes, with zlib level 3; a receiver accepts both always).
import {deflateSync} from 'node:zlib';

export const RPC_ENCODING_NONE = 0;
export const RPC_ENCODING_ZLIB_BASE64 = 1;
export const COMPRESS_FROM_BYTES = 4096;

export type EncodedContent = [encoding: number, data: string];

export function encodeContent(text: string): EncodedContent {
  if (text.length < COMPRESS_FROM_BYTES) return [RPC_ENCODING_NONE, text];
  return [RPC_ENCODING_ZLIB_BASE64, deflateSync(Buffer.from(text, 'utf8'), {level: 3}).toString('base64')];
}
