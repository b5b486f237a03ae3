/** A procedure's refusal: answered as HTTP 200 `[false, message]` (Ganeti's RPCFail). */
export class RpcFailure extends Error {}

/** A request the daemon cannot take at all: answered with this HTTP status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
