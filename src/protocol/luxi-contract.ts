// The LUXI contract: every method masterd serves, with the arguments a client sends and the
// result it gets back (docs/luxi.md describes each one). The client's call() and the server's
// method table are both typed from it, so a method missing on one side, or a result of the
// wrong shape, is a compile error instead of an interop test failure.

/** [seconds, microseconds] since the epoch. */
export type Timestamp = [seconds: number, microseconds: number];

/** The status of an opcode; a job's status is derived from its opcodes' (docs/job-file.md). */
export type OpStatus = 'queued' | 'waiting' | 'canceling' | 'running' | 'canceled' | 'success' | 'error';
export type JobStatus = OpStatus;

/** One entry of an opcode's execution log. */
export type LogEntry = [serial: number, timestamp: Timestamp, type: string, message: unknown];

export type FieldKind = 'unknown' | 'text' | 'bool' | 'number' | 'float' | 'unit' | 'timestamp' | 'other';

export interface FieldDefinition {
  name: string;
  title: string;
  kind: FieldKind;
  doc: string;
}

/** One value of a query row: [result status (RS_*), value]. */
export type QueryValue = [status: number, value: unknown];

/** The answer to Query: the definitions of the asked fields and one row per item. */
export interface QueryResult {
  fields: FieldDefinition[];
  data: QueryValue[][];
}

/**
 * A job ID as sent: the stock client passes the text the user typed for some methods, and an
 * integer beyond 2^53 travels exactly as a bigint (the JSON codec writes it as a number).
 */
export type JobIdArg = number | bigint | string;

/** An opcode as submitted: {OP_ID: ..., parameters}. */
export type OpcodeInput = Record<string, unknown>;

/** Per job of SubmitManyJobs: [true, job ID] or [false, why it was refused]. */
export type SubmitResult = [true, number] | [false, string];

/** WaitForJobChange: the asked fields and new log entries, or "nochange" at the timeout. */
export type JobChange = [info: unknown[], log: LogEntry[]] | 'nochange';

/** [whether the request was carried out, message]. */
export type JobActionResult = [boolean, string];

type OldStyleQuery = [[names: readonly string[], fields: readonly string[], useLocking: boolean], unknown[][]];
type Unsupported<Args extends unknown[]> = [Args, never];

/** Method name -> [argument tuple, result]. */
export interface LuxiContract {
  SubmitJob: [[ops: OpcodeInput[]], number];
  SubmitJobToDrainedQueue: [[ops: OpcodeInput[]], number];
  SubmitManyJobs: [[jobs: OpcodeInput[][]], SubmitResult[]];
  WaitForJobChange: [
    [job: JobIdArg, fields: string[], prevJobInfo: unknown[] | null, prevLogSerial: number | null, timeout: number],
    JobChange,
  ];
  QueryJobs: [[ids: JobIdArg[] | null, fields: string[]], unknown[][]];
  Query: [[what: string, fields: string[], filter: unknown], QueryResult];
  QueryFields: [[what: string, fields: string[] | null], {fields: FieldDefinition[]}];
  /** The 3.0 client always sends kill (false unless --kill --yes-do-it); the 2.10 one omits it. */
  CancelJob: [[job: JobIdArg, kill: boolean], JobActionResult];
  ChangeJobPriority: [[job: JobIdArg, priority: number], JobActionResult];
  ArchiveJob: [[job: JobIdArg], boolean];
  AutoArchiveJobs: [[age: number | bigint, timeout: number], [archived: number, left: number]];
  SetDrainFlag: [[flag: boolean], boolean];
  /** The end of the pause in seconds since the epoch, or null to end it; answers the same. */
  SetWatcherPause: [[until: number | null], number | null];
  QueryClusterInfo: [[], Record<string, unknown>];
  /** One value per asked name, null for names it does not know. */
  QueryConfigValues: [[names: string[]], unknown[]];
  QueryTags: [[kind: string, name: string], string[]];
  QueryNodes: OldStyleQuery;
  QueryGroups: OldStyleQuery;
  QueryInstances: OldStyleQuery;
  QueryNetworks: OldStyleQuery;
  QueryExports: [[nodes: string[], useLocking: boolean], unknown[]];
  PickupJob: Unsupported<[job: JobIdArg]>;
  QueryFilters: Unsupported<[uuids: string[] | null, fields: string[]]>;
  ReplaceFilter: Unsupported<[uuid: string | null, priority: number, predicates: unknown[], action: unknown, reason: unknown[]]>;
  DeleteFilter: Unsupported<[uuid: string]>;
}

export type LuxiMethod = keyof LuxiContract;
export type LuxiArgs<M extends LuxiMethod> = LuxiContract[M][0];
export type LuxiResult<M extends LuxiMethod> = LuxiContract[M][1];
