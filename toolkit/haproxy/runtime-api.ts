import { ToolkitError } from '../procedure/errors.ts';
import { haproxyRuntimeApi } from './agent/runtime-api.ts';

export type { AdminState, ServerState } from './agent/runtime-api.ts';

/** HAProxy's runtime API for the toolkit (agent/runtime-api.ts): its failures are ToolkitErrors. */
export const toolkitRuntimeApi = haproxyRuntimeApi((message, code) => new ToolkitError(message, code));

export const {
  runtimeCommand,
  setServerState,
  setAgentResult,
  serversStateDump,
  shutdownSessions,
  showServers,
  showInfo,
  agentAddresses,
} = toolkitRuntimeApi;
