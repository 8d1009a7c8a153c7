// mcp-warden/client: the agent SDK for the built-in approval service.
export { WardenClient, DEFAULT_WARDEN_URL } from './warden-client.js'
export type { WardenClientOptions } from './warden-client.js'
export {
  ActionDeniedError,
  ActionExpiredError,
  ActionTimeoutError,
  RateLimitError,
  WardenApiError,
} from './client-errors.js'
export { WardenError } from '../../errors.js'
export type { WardenErrorCode } from '../../errors.js'
export { computeContentHash, fingerprint, verifyAction } from './content-hash.js'
export {
  bookingRequest,
  contractRequest,
  dataAccessRequest,
  emailRequest,
  postRequest,
  purchaseRequest,
} from './convenience-requests.js'
export type {
  BookingInput,
  ContractInput,
  DataAccessInput,
  EmailInput,
  PostInput,
  PurchaseInput,
} from './convenience-requests.js'
export type {
  ActionRequestInput,
  ApiCallInput,
  ApiCallResponse,
  ApiCallResult,
  ApprovalHistory,
  ApprovalView,
  HistoryQuery,
  HttpMethod,
  RequestExtras,
  SpendingSummary,
  SpendingSummaryItem,
  VaultService,
  VaultServices,
  WaitOptions,
} from './wire-types.js'
export type {
  ActionType,
  ApprovalStatus,
  JsonValue,
  ResolutionMethod,
  RiskLevel,
} from '../approval-request.js'
export { ACTION_TYPES, RISK_LEVELS } from '../approval-request.js'
