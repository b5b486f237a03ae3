// LUXI request and response envelopes.
import {parseJson, stringifyJson} from '../json/lossless.js';
import {LuxiParseError} from './errors.js';

export const LUXI_VERSION = 3000000;

export interface LuxiRequest {
  method: string;
  args: unknown[];
  version: number | null;
}

export interface LuxiResponse {
  success: boolean;
  result: unknown;
}

function parseObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = parseJson(text);
  } catch (err) {
    throw new LuxiParseError(`Invalid ${what}: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new LuxiParseError(`Invalid ${what}: not a JSON object`);
  }
  return value as Record<string, unknown>;
}

export function parseRequest(text: string): LuxiRequest {
  return requestFromValue(parseObject(text, 'LUXI request'));
}

/** The request in an already parsed JSON value. */
export function requestFromValue(value: unknown): LuxiRequest {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new LuxiParseError('Invalid LUXI request: not a JSON object');
  }
  const {method, args, version} = value as Record<string, unknown>;
  if (typeof method !== 'string') throw new LuxiParseError('Invalid LUXI request: missing or non-string "method"');
  if (!Array.isArray(args)) throw new LuxiParseError('Invalid LUXI request: "args" must be a list');
  return {method, args, version: typeof version === 'number' ? version : null};
}

/** The response text (without ETX). Never carries "version": the 3.0 client rejects any mismatch. */
export function formatResponse(success: boolean, result: unknown): string {
  return stringifyJson({success, result});
}

export function formatRequest(method: string, args: readonly unknown[], version: number | null = LUXI_VERSION): string {
  return stringifyJson(version === null ? {method, args} : {method, args, version});
}

export function parseResponse(text: string): LuxiResponse {
  const obj = parseObject(text, 'LUXI response');
  if (typeof obj.success !== 'boolean' || !('result' in obj)) {
    throw new LuxiParseError(`Invalid response from server: ${text.slice(0, 200)}`);
  }
  return {success: obj.success, result: obj.result};
}
