import type { JsonValue } from '../approval-request.js'
import type { ActionRequestInput, RequestExtras } from './wire-types.js'

/*
 * SynAuth's convenience shapes as request bodies. Each sends explicit `parameters` holding
 * exactly what the agent will do, so the approver sees it, the proof covers it and the agent
 * can recompute the hash (verifyAction) before acting.
 */

export interface EmailInput extends RequestExtras {
  recipient: string
  subject: string
  /** The body (or its opening) as the approver should read it. */
  preview?: string
}

export interface PurchaseInput extends RequestExtras {
  amount: number
  merchant: string
  currency?: string
  description?: string
}

export interface BookingInput extends RequestExtras {
  title: string
  description?: string
  amount?: number
  currency?: string
}

export interface PostInput extends RequestExtras {
  platform: string
  /** The full text to publish: the hash covers it, so post exactly this. */
  content: string
}

export interface DataAccessInput extends RequestExtras {
  resource: string
  reason: string
}

export interface ContractInput extends RequestExtras {
  title: string
  description?: string
  counterparty?: string
}

export function emailRequest(input: EmailInput): ActionRequestInput {
  const { recipient, subject, preview, ...extras } = input
  return {
    ...extras,
    action_type: 'communication',
    title: `Send email to ${recipient}: ${subject}`,
    ...defined({ description: preview }),
    recipient,
    parameters: withKind('email', { recipient, subject, preview }),
  }
}

export function purchaseRequest(input: PurchaseInput): ActionRequestInput {
  const { amount, merchant, currency, description, ...extras } = input
  const price = currency === undefined ? `${amount}` : `${amount} ${currency}`
  return {
    ...extras,
    action_type: 'purchase',
    title: `Purchase from ${merchant}: ${price}`,
    ...defined({ description, currency }),
    amount,
    recipient: merchant,
    parameters: withKind('purchase', { merchant, amount, currency, description }),
  }
}

export function bookingRequest(input: BookingInput): ActionRequestInput {
  const { title, description, amount, currency, ...extras } = input
  return {
    ...extras,
    action_type: 'scheduling',
    title,
    ...defined({ description, amount, currency }),
    parameters: withKind('booking', { title, description, amount, currency }),
  }
}

export function postRequest(input: PostInput): ActionRequestInput {
  const { platform, content, ...extras } = input
  return {
    ...extras,
    action_type: 'social',
    title: `Post on ${platform}`,
    description: content,
    recipient: platform,
    parameters: withKind('post', { platform, content }),
  }
}

export function dataAccessRequest(input: DataAccessInput): ActionRequestInput {
  const { resource, reason, ...extras } = input
  return {
    ...extras,
    action_type: 'data_access',
    title: `Access ${resource}`,
    description: reason,
    parameters: withKind('data_access', { resource, reason }),
  }
}

export function contractRequest(input: ContractInput): ActionRequestInput {
  const { title, description, counterparty, ...extras } = input
  return {
    ...extras,
    action_type: 'legal',
    title,
    ...defined({ description, recipient: counterparty }),
    parameters: withKind('contract', { title, description, counterparty }),
  }
}

function withKind(kind: string, fields: Record<string, JsonValue | undefined>): JsonValue {
  return { kind, ...defined(fields) }
}

/** Leaves out undefined fields, so the body and the hashed parameters agree. */
function defined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined),
  ) as Partial<T>
}
