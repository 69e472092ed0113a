/**
 * cluster/: distributed runs. A collector (in `rookery run --runners N`) and runner agents (`rookery runner`)
 * speak a small authenticated protocol over WebSocket; backends start runners locally, on Kubernetes, or by hand.
 */
export { runDistributed, type RunDistributedOptions, type RunDistributedOutcome } from './run-distributed.js';
export {
  Collector,
  type AssignPlan,
  type ClusterStatus,
  type ClusterSummary,
  type CollectorEvent,
  type CollectorOptions,
  type OnRunnerLoss,
  type RunnerState,
  type RunnerView,
  type StartOptions,
} from './collector.js';
export { runRunnerAgent, defaultCapacity, type RunnerAgentOptions, type RunnerAgentResult } from './runner.js';
export {
  PROTOCOL_VERSION,
  LIMITS,
  HEARTBEAT,
  ProtocolError,
  decodeFrame,
  encodeMessage,
  validateCollectorMessage,
  validateRunnerMessage,
  validateProfile,
  type CollectorMessage,
  type RunnerMessage,
  type RunnerSettings,
} from './protocol.js';
export { generateToken, checkToken, proofFor, verifyProof, secretsEqual, MIN_TOKEN_LENGTH } from './auth.js';
export { startControlServer, type ControlServer, type ControlServerOptions, type ControlTarget } from './control-server.js';
export { controlRequest, readControlFile, writeControlFile, controlFilePath, ControlError, type ControlFile } from './control-client.js';
export { assignSlices, signedShare, iterationBudgets } from './slices.js';
export { mergeHealth } from './merge-health.js';
export { rebaseSnapshot, zeroGauges } from './rebase.js';
export * from './backends/index.js';
