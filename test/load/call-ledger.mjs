import { randomBytes } from 'node:crypto'

const ECHO = /^Echo: (.*)$/s

/**
 * Every call's unique token, and what came back for it. A call is `ok` when its answer holds
 * exactly one response, for its own id, echoing its own token. Otherwise it is `lost` (no
 * response), `duplicated` (more than one response, or a token seen twice) or `misrouted` (the
 * answer carries another call's id or token: another call's, or another session's).
 */
export function createCallLedger() {
  const run = randomBytes(4).toString('hex')
  const sent = new Map()
  const returned = new Set()
  const counts = { sent: 0, ok: 0, lost: 0, duplicated: 0, misrouted: 0 }
  const examples = []
  const note = (kind, detail) => {
    counts[kind]++
    if (examples.length < 10) examples.push({ kind, ...detail })
  }
  let next = 0
  return {
    counts,
    examples,
    /** A new call of session `session`: its JSON-RPC id and the token it must get back. */
    issue(session) {
      const id = ++next
      const token = `${run}:${session}:${id}`
      sent.set(token, { id, session })
      counts.sent++
      return { id, token }
    },
    /** Classifies the answer (or the error) of call `{ id, token }`. */
    settle({ id, token }, answer, error) {
      if (error || !answer) return note('lost', { token, error: String(error ?? 'no answer') })
      const responses = answer.messages.filter((m) => 'result' in m || 'error' in m)
      if (responses.length === 0) return note('lost', { token, status: answer.status })
      if (responses.length > 1) return note('duplicated', { token, responses })
      const [response] = responses
      const text = response.result?.content?.[0]?.text
      const echoed = typeof text === 'string' ? ECHO.exec(text)?.[1] : undefined
      if (response.id !== id || (echoed !== undefined && echoed !== token)) {
        return note('misrouted', { token, id, got: { id: response.id, echoed } })
      }
      if (echoed === undefined) return note('lost', { token, response })
      if (returned.has(echoed)) return note('duplicated', { token })
      returned.add(echoed)
      counts.ok++
    },
  }
}
