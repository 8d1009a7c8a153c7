import { Buffer } from 'node:buffer'
import { Agent, request } from 'node:http'
import { clearTimeout, setTimeout } from 'node:timers'
import { URL } from 'node:url'

const PROTOCOL_VERSION = '2025-06-18'
/** A call with no answer by then is counted lost. */
export const CALL_TIMEOUT_MS = 30_000

const agent = new Agent({ keepAlive: true, maxSockets: Infinity })

/**
 * One MCP session over Streamable HTTP, spoken by hand rather than through the SDK client, so
 * that every JSON-RPC message of every answer is seen: the SDK would drop a duplicate or a
 * response for an id it no longer waits on, and the run must count those.
 */
export async function openRawSession(url, apiKey, name) {
  const target = new URL(url)
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'x-api-key': apiKey,
  }
  const opened = await post(target, headers, {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: {
      protocolVersion: PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name, version: '1' },
    },
  })
  const sessionId = opened.headers['mcp-session-id']
  if (opened.status !== 200 || typeof sessionId !== 'string') {
    throw new Error(`initialize: HTTP ${opened.status} ${JSON.stringify(opened.messages)}`)
  }
  const sessionHeaders = {
    ...headers,
    'mcp-session-id': sessionId,
    'mcp-protocol-version': PROTOCOL_VERSION,
  }
  await post(target, sessionHeaders, { jsonrpc: '2.0', method: 'notifications/initialized' })
  return {
    sessionId,
    /** Sends `echo` with `message`; resolves with every JSON-RPC message of the answer. */
    echo(id, message) {
      return post(target, sessionHeaders, {
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: { name: 'echo', arguments: { message } },
      })
    },
    async close() {
      await send(target, 'DELETE', sessionHeaders, undefined).catch(() => undefined)
    },
  }
}

function post(target, headers, body) {
  return send(target, 'POST', headers, JSON.stringify(body))
}

/** One HTTP exchange: `{ status, headers, messages }`, or a rejection on timeout or socket error. */
function send(target, method, headers, body) {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method,
        headers:
          body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        let text = ''
        response.setEncoding('utf8')
        response.on('data', (chunk) => (text += chunk))
        response.on('end', () => {
          clearTimeout(timer)
          resolve({ status: response.statusCode, headers: response.headers, messages: parse(text) })
        })
        response.on('error', fail)
      },
    )
    const timer = setTimeout(
      () => outgoing.destroy(new Error('no answer in time')),
      CALL_TIMEOUT_MS,
    )
    function fail(error) {
      clearTimeout(timer)
      reject(error)
    }
    outgoing.on('error', fail)
    outgoing.end(body)
  })
}

/** The messages of a JSON body or of an event stream's `data:` lines. */
function parse(text) {
  const trimmed = text.trim()
  if (trimmed === '') return []
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    const value = JSON.parse(trimmed)
    return Array.isArray(value) ? value : [value]
  }
  return trimmed
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => JSON.parse(line.slice(5)))
}
